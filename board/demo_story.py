"""`flask --app app demo`: fill an EMPTY database with a believable task force.

The story: Nordkamm Outdoor, a 600-person maker of backpacks, tents and trail-running
shoes in Freiburg, started a cross-department social media task force four weeks ago.
Lena, the social media manager, facilitates; two department heads follow along.

Every demo person logs in with the password `demo-password`:

    facilitator  lena@nordkamm.example    (Lena Brandt, Marketing, social media manager)
    member       jonas@nordkamm.example   (Jonas Keller, Marketing)
    member       priya@nordkamm.example   (Priya Raman, Customer Support)
    observer     petra@nordkamm.example   (Petra Hoffmann, Head of Sales)
    observer     thomas@nordkamm.example  (Thomas Berger, Head of Product)

Core objects go through the services (board.people, board.ideas, board.tasks) under a
backdated clock, in the order the story happened, so the event log reads like four weeks
of real activity. Prompts and nudges are written as rows plus their events here.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from board import clock, events, ideas, people, tasks
from board.prompts import prompt_dict
from models import Nudge, NudgeRecipient, Prompt, Task, User

DEMO_PASSWORD = "demo-password"
DOMAIN = "nordkamm.example"
DEPARTMENTS = ("Marketing", "PR", "IT", "HR", "Sales", "Customer Support", "Product", "Logistics")

# key, display name, department, role
PEOPLE = (
    ("lena", "Lena Brandt", "Marketing", "facilitator"),
    ("petra", "Petra Hoffmann", "Sales", "observer"),
    ("thomas", "Thomas Berger", "Product", "observer"),
    ("jonas", "Jonas Keller", "Marketing", "member"),
    ("aylin", "Aylin Demir", "Marketing", "member"),
    ("sophie", "Sophie Wagner", "PR", "member"),
    ("ben", "Ben Okafor", "PR", "member"),
    ("tomasz", "Tomasz Nowak", "IT", "member"),
    ("david", "David Chen", "IT", "member"),
    ("nina", "Nina Petrović", "HR", "member"),
    ("clara", "Clara Schmitt", "HR", "member"),
    ("felix", "Felix Braun", "Sales", "member"),
    ("priya", "Priya Raman", "Customer Support", "member"),
    ("mehmet", "Mehmet Yılmaz", "Customer Support", "member"),
    ("jana", "Jana Richter", "Product", "member"),
    ("lukas", "Lukas Hartmann", "Logistics", "member"),
    ("elif", "Elif Şahin", "Logistics", "member"),
)

# The facilitator's prompts: days ago it was posted, and (for challenges) when each phase ends
# in days from now (negative: in the past).
PROMPTS = {
    "faq": dict(
        kind="prompt",
        days=21.9,
        title="What do customers ask us every week that deserves a public answer?",
        body="Support answers the same questions again and again. Which of them would make a "
        "good post, video or article, so that the answer is out there for everyone?",
    ),
    "stories": dict(
        kind="challenge",
        days=25.8,
        submissions_close=-18.5,
        voting_close=-13.5,
        title="Challenge: which employee-story format do we start with?",
        body="HR and Marketing want real faces from Nordkamm on our channels. Post one "
        "format per idea; everyone has **3 votes**. The winner gets a slot in the "
        "content calendar for the whole autumn.",
    ),
    "trail": dict(
        kind="challenge",
        days=4.2,
        submissions_close=2.5,
        voting_close=6.5,
        title="Challenge: our Instagram & TikTok idea for the Kammläufer trail-shoe launch",
        body="The Kammläufer 2 ships on the 1st of next month. What is the **one** social "
        "idea we should put our energy into? Ideas until the weekend, then three "
        "votes each. Tallies stay hidden until the end, so vote for what you believe in.",
    ),
}

# key, author, days ago, title, tags, prompt, voters, body
IDEAS = (
    (
        "repair-reels",
        "aylin",
        24.6,
        "Behind the seams: 30-second reels from our repair workshop",
        ["instagram", "tiktok", "video"],
        None,
        [
            "jonas",
            "sophie",
            "ben",
            "tomasz",
            "nina",
            "felix",
            "priya",
            "jana",
            "lukas",
            "lena",
            "mehmet",
        ],
        "Our repair workshop in Freiburg fixes about **4,000 jackets and packs a year**. Nobody sees it.\n\n"
        "- one repair per reel, start to finish in 30 seconds\n- the repairer says one sentence about the damage\n"
        '- end card: *"Still going."*\n\nIt shows quality and sustainability without us claiming either.',
    ),
    (
        "ask-support",
        "priya",
        21.3,
        'Monthly "Ask Support anything" on LinkedIn Live',
        ["linkedin", "video"],
        "faq",
        ["mehmet", "felix", "david", "jonas", "lena", "elif", "clara"],
        "Once a month two people from Customer Support answer live questions for 30 minutes.\n\n"
        "We already know the top questions from the ticket system, so we can prepare short answers "
        "and links. Retailers follow us on LinkedIn too, so Sales gets something out of it.",
    ),
    (
        "packing-lists",
        "jonas",
        20.7,
        "Packing-list carousels for every hut-tour season",
        ["instagram", "blog"],
        None,
        ["aylin", "lukas", "jana", "priya"],
        "A swipeable checklist per season (spring snow, summer huts, autumn fog) with our gear "
        "and *what you do not need*. The blog gets the long version with links to the shop.",
    ),
    (
        "warehouse-day",
        "lukas",
        24.9,
        "A day with the warehouse team in Lahr",
        ["linkedin", "instagram", "employer-branding"],
        "stories",
        ["elif", "tomasz", "felix", "mehmet"],
        "From the first truck at 6:00 to the last parcel at 22:00, told in stories. We are hiring "
        "in Lahr all year, and nobody knows what the job really looks like.",
    ),
    (
        "apprentices",
        "clara",
        24.4,
        "Apprentices take over our Instagram for a week",
        ["instagram", "employer-branding"],
        "stories",
        ["nina", "aylin", "jonas", "ben", "sophie", "priya", "lukas", "david", "jana", "lena"],
        "Four apprentices (sewing, logistics, IT, retail) run our stories for a week, with a short "
        "briefing and Lena as a safety net. Authentic, cheap, and great for next year's applications.",
    ),
    (
        "meet-maker",
        "jana",
        23.8,
        '"Meet the maker" portraits of our product designers',
        ["instagram", "blog", "product"],
        "stories",
        ["thomas_never", "felix", "sophie", "tomasz", "elif"],
        "One designer per month, one product they are proud of, one thing that went wrong on the way.",
    ),
    (
        "desk-gear",
        "tomasz",
        23.1,
        '"My desk, my gear": a quick photo series',
        ["instagram"],
        "stories",
        ["david", "mehmet"],
        "Everyone photographs their desk and the Nordkamm item they use most. Low effort, many faces.",
    ),
    (
        "field-notes",
        "jana",
        19.6,
        'Newsletter "Field notes" from our product testers',
        ["newsletter", "blog", "product"],
        None,
        ["thomas_never", "jonas", "aylin", "priya", "felix"],
        "Our 40 external testers send us notes from the mountains anyway. A monthly newsletter with "
        "the best three, with photos, would give the newsletter a reason to be opened.",
    ),
    (
        "sizing-videos",
        "mehmet",
        18.2,
        "Answer the five sizing questions as short videos",
        ["tiktok", "instagram", "video"],
        "faq",
        ["priya", "felix", "aylin", "lukas", "elif", "jonas", "clara", "david"],
        '*"Does the Kammläufer run small?"* is 18 % of all tickets. Five 20-second videos, filmed in '
        "the showroom, pinned to our profile and linked in the shop. Fewer returns, too: Logistics will love it.",
    ),
    (
        "repair-numbers",
        "sophie",
        16.9,
        "Publish our repair rate and spare-parts numbers",
        ["blog", "linkedin", "sustainability"],
        None,
        ["ben", "jana", "nina", "lena", "tomasz", "felix"],
        "Journalists ask for numbers, not adjectives. A yearly blog post with the repair rate, "
        "spare parts sent, and what we still throw away. Honest numbers age well.",
    ),
    (
        "accessibility",
        "david",
        15.4,
        "Accessibility pass on every post: alt text and captions",
        ["accessibility", "instagram", "linkedin"],
        None,
        ["priya", "clara", "nina", "sophie", "lena", "jana"],
        "About 1 in 10 people use captions or a screen reader. We post without alt text most of the time.\n\n"
        "1. a short checklist\n2. captions on every video\n3. a monthly check of the last 20 posts",
    ),
    (
        "still-going",
        "ben",
        14.2,
        "#StillGoing: customers show their oldest Nordkamm gear",
        ["instagram", "ugc", "sustainability"],
        None,
        ["aylin", "jonas", "sophie", "mehmet", "lukas", "felix", "elif", "tomasz", "jana"],
        "People love showing a 20-year-old tent. We repost the best ones every Friday and send the "
        "owner a repair voucher. Needs a simple consent text from Legal.",
    ),
    (
        "guideline",
        "nina",
        13.7,
        "A social media guideline that fits on one page",
        ["guidelines", "intranet"],
        None,
        ["clara", "lena", "david", "ben"],
        "Colleagues ask HR what they may post about work. One page, friendly, agreed with the works "
        "council, linked from the intranet. Less fear, more posts.",
    ),
    (
        "retailers",
        "felix",
        12.4,
        "Retailer spotlight series on LinkedIn",
        ["linkedin", "b2b"],
        None,
        ["petra_never", "lukas", "mehmet"],
        "Every second week one of our 180 retailers: the shop, the people, their favourite tour. "
        "They share it, their customers see us.",
    ),
    (
        "weather-posting",
        "tomasz",
        11.2,
        "Post rain gear when it actually rains",
        ["automation", "instagram"],
        None,
        ["david"],
        "A small script checks the weather forecast for our top 10 cities and suggests which "
        "prepared post to publish. Could be fun, could be overkill.",
    ),
    (
        "shipping-ticker",
        "elif",
        9.4,
        "Christmas shipping ticker in our stories",
        ["instagram", "logistics"],
        None,
        ["lukas", "mehmet", "priya", "felix"],
        "From 1 December a daily story: parcels shipped yesterday, last safe order date, a photo "
        'from the packing line. Cuts the *"where is my parcel"* tickets in December.',
    ),
    (
        "press-kit",
        "ben",
        8.6,
        "A press-kit page with downloadable photos",
        ["blog", "press"],
        None,
        ["sophie", "jana"],
        "Journalists and bloggers ask for photos by mail every week. A page with approved photos, "
        "logos and fact sheet saves PR hours.",
    ),
    (
        "faq-highlights",
        "priya",
        6.3,
        "Story highlights with answers to the top customer questions",
        ["instagram"],
        "faq",
        ["mehmet", "clara", "aylin"],
        "Pinned highlights: sizing, repairs, returns, shipping times, care. Each one links to the "
        "help centre. Quick to make once the sizing videos exist.",
    ),
    (
        "podcast",
        "jonas",
        3.1,
        "Podcast snippets with mountain guides",
        ["linkedin", "podcast"],
        None,
        ["ben"],
        "We sponsor the *Höhenmeter* podcast. Their guests are mountain guides: 60-second audiograms "
        "for LinkedIn, with their consent.",
    ),
    (
        "first-10k",
        "felix",
        3.9,
        '"My first 10 km": a community challenge with the Kammläufer',
        ["instagram", "tiktok", "community"],
        "trail",
        ["priya", "lukas", "elif"],
        "Invite beginners to run their first 10 km trail in four weeks, with a plan from our running "
        "team and weekly check-ins. Best stories win a pair.",
    ),
    (
        "shoe-lab",
        "jana",
        3.6,
        "Shoe-lab teardown: what is inside the Kammläufer 2",
        ["tiktok", "video", "product"],
        "trail",
        ["david", "tomasz", "jonas"],
        "We cut a shoe in half on camera and explain each layer in 45 seconds. Product nerds love it.",
    ),
    (
        "black-forest",
        "lukas",
        2.8,
        "Our own people wear-test it in the Black Forest",
        ["instagram", "employer-branding"],
        "trail",
        ["clara", "nina"],
        "Ten colleagues from every department run the same trail on a Friday morning. Real people, "
        "real mud, one reel.",
    ),
    (
        "running-clubs",
        "aylin",
        1.9,
        "Duets with local running clubs",
        ["tiktok", "community"],
        "trail",
        ["mehmet"],
        "TikTok duets with five running clubs near our retailers: they show their home trail, we show ours.",
    ),
)

# idea, author, days ago, body, mentor note?
COMMENTS = (
    (
        "repair-reels",
        "priya",
        24.2,
        'Support would love this. Half of our repair tickets start with *"is it even worth it?"*',
        False,
    ),
    (
        "repair-reels",
        "lena",
        23.9,
        "Strong idea. Tip from experience: film vertical **and** keep the repairer's hands in the centre, the crop for LinkedIn then works too.",
        True,
    ),
    (
        "repair-reels",
        "tomasz",
        23.1,
        "I can set up a shared folder for the raw clips so nobody mails 2 GB files.",
        False,
    ),
    (
        "repair-reels",
        "jonas",
        16.4,
        "First reel is live: 41k views on Instagram in three days, best of the year.",
        False,
    ),
    (
        "ask-support",
        "felix",
        20.9,
        "Several retailers asked for exactly this. Can we invite them to ask questions too?",
        False,
    ),
    (
        "ask-support",
        "david",
        20.2,
        "I can test the streaming setup in the small meeting room, it has decent light.",
        False,
    ),
    (
        "ask-support",
        "mehmet",
        18.8,
        "Top 20 questions are in the task, with how often each came up.",
        False,
    ),
    (
        "packing-lists",
        "lukas",
        19.9,
        'Please add "what the hut sells, so you don\'t carry it". Saves weight, everyone loves that.',
        False,
    ),
    (
        "warehouse-day",
        "elif",
        24.5,
        "The night shift would be up for it, as long as faces are optional.",
        False,
    ),
    (
        "apprentices",
        "nina",
        24.0,
        "The works council is fine with it if participation is voluntary. I asked.",
        False,
    ),
    (
        "apprentices",
        "lena",
        22.7,
        "Love it. Let's write a one-page briefing together so nobody feels alone with a 12k-follower account.",
        True,
    ),
    (
        "apprentices",
        "clara",
        12.1,
        "We have four apprentices on board: Mia (sewing), Luca (logistics), Jonah (IT), Sara (retail).",
        False,
    ),
    (
        "field-notes",
        "jonas",
        19.0,
        "Newsletter open rates are 21 % now. Real stories could help, let's try it for three issues.",
        False,
    ),
    (
        "sizing-videos",
        "elif",
        17.5,
        "Yes please! Size exchanges are our most expensive returns.",
        False,
    ),
    (
        "sizing-videos",
        "aylin",
        16.8,
        "I can do the lower-third graphics so they look like the rest of our feed.",
        False,
    ),
    (
        "repair-numbers",
        "jana",
        16.0,
        "Product can give the numbers for 2024. 2023 needs a bit of digging.",
        False,
    ),
    (
        "repair-numbers",
        "lena",
        15.6,
        "Good one for LinkedIn too. Keep a simple chart; people share charts.",
        True,
    ),
    (
        "accessibility",
        "clara",
        14.8,
        "Our apprentice Jonah uses a screen reader. He'd happily test a few posts.",
        False,
    ),
    (
        "accessibility",
        "priya",
        14.1,
        "Support gets complaints about videos without captions every month.",
        False,
    ),
    (
        "still-going",
        "sophie",
        13.9,
        "We need Legal's consent text before we repost anything. I'll ask them.",
        False,
    ),
    ("still-going", "jonas", 10.2, "Sophie, any news from Legal?", False),
    ("still-going", "sophie", 9.8, "Legal sent a draft. Two sentences, very readable.", False),
    (
        "guideline",
        "david",
        13.1,
        "Please include a line about not posting screenshots of internal tools.",
        False,
    ),
    (
        "retailers",
        "lukas",
        11.8,
        "We could add a photo of their delivery arriving. Our drivers know them all.",
        False,
    ),
    (
        "weather-posting",
        "david",
        10.9,
        "Fun! The weather API is free for our volume. Happy to pair on it.",
        False,
    ),
    (
        "shipping-ticker",
        "mehmet",
        8.9,
        "The last-safe-order date alone would save us 200 tickets in December.",
        False,
    ),
    (
        "press-kit",
        "sophie",
        8.1,
        "I'll collect the approved photos from the last two catalogues.",
        False,
    ),
    (
        "faq-highlights",
        "clara",
        5.8,
        'Could one highlight be "work at Nordkamm"? We get those questions too.',
        False,
    ),
    ("podcast", "ben", 2.7, "The host agreed, they only want a link back.", False),
    ("first-10k", "priya", 3.5, "Support could answer beginner questions in the comments.", False),
    ("shoe-lab", "tomasz", 3.2, "Please use the laser cutter, not a bread knife this time.", False),
    ("black-forest", "nina", 2.4, "Count me in, as long as it's a short trail.", False),
)

# key, idea, creator, title, days ago created, (claimant, days ago claimed) or None,
# days ago completed or None, description
TASKS = (
    (
        "raw-folder",
        None,
        "tomasz",
        "Set up a shared folder for raw video clips",
        23.0,
        ("tomasz", 23.0),
        22.4,
        "One folder per month, with a README on naming. Access for the whole task force.",
    ),
    (
        "film-repairs",
        "repair-reels",
        "aylin",
        "Film three repairs in the Freiburg workshop",
        23.7,
        ("aylin", 23.5),
        19.2,
        "Vertical, 4K, hands in the centre. Ask the repair team which days suit them.",
    ),
    (
        "cut-reel",
        "repair-reels",
        "jonas",
        "Cut the first reel and write captions in German and English",
        21.0,
        ("jonas", 19.1),
        16.9,
        "",
    ),
    (
        "reel-slot",
        "repair-reels",
        "lena",
        "Plan a monthly repair-reel slot in the content calendar",
        16.2,
        None,
        None,
        "First Tuesday of the month works best for reach.",
    ),
    (
        "top-questions",
        "ask-support",
        "priya",
        "Collect the 20 most asked questions from the ticket system",
        21.0,
        ("mehmet", 20.6),
        18.9,
        "",
    ),
    (
        "live-setup",
        "ask-support",
        "priya",
        "Book LinkedIn Live and test the streaming setup",
        20.1,
        ("david", 19.8),
        None,
        "Camera, microphone, and a backup plan if the Wi-Fi drops.",
    ),
    (
        "alt-checklist",
        "accessibility",
        "david",
        "Write an alt-text checklist for the team",
        15.0,
        ("david", 14.9),
        12.3,
        "",
    ),
    (
        "captions",
        "accessibility",
        "david",
        "Add captions to our last ten videos",
        12.2,
        None,
        None,
        "The editor in our video tool can auto-generate them; they need a human check.",
    ),
    (
        "repair-signoff",
        "repair-numbers",
        "sophie",
        "Get the 2024 repair numbers signed off by Product",
        16.5,
        ("jana", 16.0),
        None,
        "",
    ),
    (
        "repair-draft",
        "repair-numbers",
        "sophie",
        "Draft the repair-numbers blog post",
        16.4,
        ("sophie", 15.8),
        None,
        "",
    ),
    (
        "guideline-draft",
        "guideline",
        "nina",
        "Draft the one-page guideline and send it to the works council",
        13.2,
        ("nina", 12.9),
        None,
        "",
    ),
    (
        "find-apprentices",
        "apprentices",
        "clara",
        "Find four apprentices who want to take over",
        13.3,
        ("clara", 13.2),
        12.1,
        "",
    ),
    (
        "takeover-briefing",
        "apprentices",
        "lena",
        "Write the takeover briefing: do's, don'ts, who to call",
        12.9,
        ("clara", 11.6),
        None,
        "One page. Include the escalation number and the hashtags we use.",
    ),
    (
        "takeover-week",
        "apprentices",
        "clara",
        "Put the takeover week into the content calendar",
        11.5,
        None,
        None,
        "",
    ),
    (
        "carousel-template",
        "packing-lists",
        "jonas",
        "Design a carousel template in our brand colours",
        19.5,
        ("aylin", 18.4),
        None,
        "",
    ),
    (
        "sizing-scripts",
        "sizing-videos",
        "mehmet",
        "Script the five sizing answers",
        17.9,
        ("mehmet", 17.6),
        10.3,
        "",
    ),
    (
        "sizing-shoot",
        "sizing-videos",
        "mehmet",
        "Record the sizing videos in the showroom",
        10.2,
        ("priya", 4.1),
        None,
        "",
    ),
    (
        "retailer-ask",
        "retailers",
        "felix",
        "Ask five retailers whether they want to be featured",
        12.0,
        ("felix", 11.9),
        7.2,
        "",
    ),
    (
        "shipment-numbers",
        "shipping-ticker",
        "elif",
        "Pull daily shipment numbers from the warehouse system",
        8.8,
        None,
        None,
        "A simple CSV each morning would do.",
    ),
    (
        "press-kit-page",
        "press-kit",
        "ben",
        "Build the press-kit page on the blog",
        8.4,
        ("ben", 8.3),
        None,
        "",
    ),
    (
        "consent-text",
        "still-going",
        "sophie",
        "Get the consent text for reposts from Legal",
        13.8,
        ("sophie", 13.7),
        9.8,
        "",
    ),
    (
        "utm-convention",
        None,
        "tomasz",
        "Agree on a UTM link convention for campaign posts",
        6.6,
        None,
        None,
        "So we can finally tell which channel brings shop visits.",
    ),
)

# days ago, message, target: ("user", key) | ("task", key) | ("department", name), read by
NUDGES = (
    (
        11.0,
        "Clara, the takeover briefing would help the apprentices a lot. Shout if you want me to read a draft!",
        ("user", "clara"),
        ["clara"],
    ),
    (
        6.2,
        "IT friends: the captions task is still open. Anyone up for an hour of subtitle checking?",
        ("department", "IT"),
        ["tomasz"],
    ),
    (
        2.1,
        "Ben, how is the press-kit page going? Happy to look at it together on Thursday.",
        ("task", "press-kit-page"),
        [],
    ),
    (
        0.6,
        "Jonas, your repair reel is the best-performing post this quarter. Could you share the raw clips with Sales?",
        ("user", "jonas"),
        [],
    ),
)


@dataclass
class Story:
    """What has been created so far, by story key."""

    session: Session
    now: datetime
    claim_limit: int
    users: dict[str, User] = field(default_factory=dict)
    ideas: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)
    prompts: dict[str, Prompt] = field(default_factory=dict)
    steps: list[tuple[datetime, int, Callable[[], None]]] = field(default_factory=list)

    def at(self, days_ago: float, action: Callable[[], None]) -> None:
        self.steps.append((self.now - timedelta(days=days_ago), len(self.steps), action))

    def run(self) -> None:
        """Play the story in time order under a clock that says it is that moment."""
        try:
            for moment, _order, action in sorted(self.steps, key=lambda step: step[:2]):
                clock.set_clock(lambda moment=moment: moment)
                action()
        finally:
            clock.set_clock(None)


def _create_people(story: Story) -> None:
    for name in DEPARTMENTS:
        people.get_or_create_department(story.session, name)
    story.session.commit()
    # Everyone shares one password, so one hash (argon2 takes half a second per person).
    password_hash = people.hash_password(DEMO_PASSWORD)
    joined = story.now - timedelta(days=27)
    for key, name, department, role in PEOPLE:
        user = User(
            email=f"{key}@{DOMAIN}",
            password_hash=password_hash,
            display_name=name,
            role=role,
            created_at=joined,
            department=people.get_or_create_department(story.session, department),
        )
        story.session.add(user)
        story.users[key] = user
    story.session.commit()


def _plan_prompts(story: Story) -> None:
    lena = story.users["lena"]
    for key, spec in PROMPTS.items():

        def post(key=key, spec=spec):
            now = clock.now()
            prompt = Prompt(
                kind=spec["kind"],
                title=spec["title"],
                body=spec["body"],
                author_id=lena.id,
                created_at=now,
                phase="collecting",
                hide_tallies=spec["kind"] == "challenge",
                votes_per_person=3 if spec["kind"] == "challenge" else None,
                submissions_close_at=(
                    story.now + timedelta(days=spec["submissions_close"])
                    if "submissions_close" in spec
                    else None
                ),
                voting_close_at=(
                    story.now + timedelta(days=spec["voting_close"])
                    if "voting_close" in spec
                    else None
                ),
            )
            story.session.add(prompt)
            story.session.flush()
            story.prompts[key] = prompt
            events.record(story.session, "prompt.created", lena, {"prompt": prompt_dict(prompt)})
            story.session.commit()

        story.at(spec["days"], post)
        for phase, end in (("voting", "submissions_close"), ("closed", "voting_close")):
            if spec.get(end, 1) < 0:
                story.at(
                    -spec[end] - 0.001, lambda key=key, phase=phase: _announce(story, key, phase)
                )


def _announce(story: Story, key: str, phase: str) -> None:
    prompt = story.prompts[key]
    prompt.phase = phase
    events.record(story.session, "prompt.phase_changed", None, {"prompt": prompt_dict(prompt)})
    story.session.commit()


def _plan_ideas(story: Story) -> None:
    rng = random.Random(600)
    for key, author, days, title, tags, prompt_key, voters, body in IDEAS:

        def post(key=key, author=author, title=title, tags=tags, prompt_key=prompt_key, body=body):
            prompt_id = story.prompts[prompt_key].id if prompt_key else None
            idea = ideas.create_idea(
                story.session, story.users[author], title, body, tags, prompt_id
            )
            story.ideas[key] = idea["id"]

        story.at(days, post)
        prompt = PROMPTS.get(prompt_key or "", {})
        # Votes arrive over the following days, before a challenge's voting closes.
        last = max(days - 10, -prompt.get("voting_close", 0) + 0.2, 0.05)
        for voter in voters:
            if voter.endswith("_never"):
                continue  # observers read along; they never vote
            when = rng.uniform(last, days - 0.05)
            story.at(
                when,
                lambda key=key, voter=voter: ideas.vote(
                    story.session, story.users[voter], story.ideas[key]
                ),
            )


def _plan_comments(story: Story) -> None:
    for idea_key, author, days, body, mentor in COMMENTS:
        story.at(
            days,
            lambda idea_key=idea_key, author=author, body=body, mentor=mentor: ideas.add_comment(
                story.session, story.users[author], story.ideas[idea_key], body, mentor_note=mentor
            ),
        )


def _plan_tasks(story: Story) -> None:
    for key, idea_key, creator, title, days, claim, done, description in TASKS:

        def create(
            key=key, idea_key=idea_key, creator=creator, title=title, description=description
        ):
            idea_id = story.ideas[idea_key] if idea_key else None
            task = tasks.create_task(
                story.session, story.users[creator], title, description, idea_id
            )
            story.tasks[key] = task["id"]

        story.at(days, create)
        if claim:
            claimant, claimed_days = claim
            story.at(
                min(claimed_days, days - 0.01),
                lambda key=key, claimant=claimant: tasks.claim_task(
                    story.session, story.users[claimant], story.tasks[key], story.claim_limit
                ),
            )
            if done is not None:
                story.at(
                    done,
                    lambda key=key, claimant=claimant: tasks.complete_task(
                        story.session, story.users[claimant], story.tasks[key]
                    ),
                )


def _plan_nudges(story: Story) -> None:
    lena = story.users["lena"]
    for days, message, (kind, target), read_by in NUDGES:

        def send(days=days, message=message, kind=kind, target=target, read_by=read_by):
            session = story.session
            nudge = Nudge(message=message, from_id=lena.id, created_at=clock.now())
            if kind == "user":
                recipients = [story.users[target]]
                nudge.to_user_id = recipients[0].id
            elif kind == "task":
                nudge.task_id = story.tasks[target]
                claimant = session.get(Task, nudge.task_id).claimed_by
                recipients = [claimant]
            else:
                department = people.get_or_create_department(session, target)
                nudge.department_id = department.id
                recipients = [
                    u
                    for u in story.users.values()
                    if u.department_id == department.id and u.role != "observer"
                ]
            read_at = clock.now() + timedelta(hours=3)
            nudge.recipients = [
                NudgeRecipient(
                    user_id=user.id,
                    read_at=read_at if any(story.users[k].id == user.id for k in read_by) else None,
                )
                for user in recipients
            ]
            session.add(nudge)
            session.flush()
            data = {
                "id": nudge.id,
                "message": nudge.message,
                "from": {"id": lena.id, "display_name": lena.display_name},
                "to_user_id": nudge.to_user_id,
                "task_id": nudge.task_id,
                "department_id": nudge.department_id,
                "created_at": clock.iso(nudge.created_at),
                "read_at": None,
            }
            events.record(
                session,
                "nudge.sent",
                lena,
                {"nudge": data},
                recipients=[u.id for u in recipients] + [lena.id],
            )
            session.commit()

        story.at(days, send)


def load_demo(session: Session, claim_limit: int = 5) -> dict[str, int]:
    """Write the Nordkamm story into an empty database; returns what it created."""
    if session.scalar(select(func.count(User.id))):
        raise RuntimeError("The database already has people; demo data not loaded.")
    story = Story(session=session, now=clock.now(), claim_limit=claim_limit)
    _create_people(story)
    _plan_prompts(story)
    _plan_ideas(story)
    _plan_comments(story)
    _plan_tasks(story)
    _plan_nudges(story)
    story.run()
    return {
        "people": len(story.users),
        "ideas": len(story.ideas),
        "tasks": len(story.tasks),
        "prompts": len(story.prompts),
        "comments": len(COMMENTS),
        "nudges": len(NUDGES),
    }


@click.command("demo")
@with_appcontext
def demo_command():
    """Fill an empty database with demo data (does nothing when people exist)."""
    settings = current_app.extensions["board_settings"]
    with current_app.extensions["board_db"].Session() as session:
        if session.scalar(select(func.count(User.id))):
            click.echo("The database already has people; demo data not loaded.")
            return
        counts = load_demo(session, settings.claim_limit)
    click.echo(
        "Demo task force of Nordkamm Outdoor loaded: "
        + ", ".join(f"{n} {what}" for what, n in counts.items())
        + "."
    )
    click.echo(
        f"Log in with password {DEMO_PASSWORD!r} as lena@{DOMAIN} (facilitator), "
        f"jonas@{DOMAIN} (member) or petra@{DOMAIN} (observer)."
    )
