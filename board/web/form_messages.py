"""The browser's own form messages in the page's language.

A browser words its validation bubbles ("Please fill out this field.") and its file
chooser ("No file chosen") in its own language, whatever the page's: a German page in an
English browser spoke English there. Every page carries these sentences, translated like
everything else, in `data-form-messages` (templates/base.html); static/js/validity.js
puts them on the fields. %(name)s placeholders are filled in there, with the field's own
numbers and dates in the page's language.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from flask_babel import get_translations

from board.i18n import N_, _, plural_forms
from board.web import web

FORM_MESSAGES = {
    # valueMissing, by the kind of field
    "value_missing": N_("Please fill in this field."),
    "value_missing_choice": N_("Please choose one of these options."),
    "value_missing_select": N_("Please choose an item in the list."),
    "value_missing_checkbox": N_("Please tick this box to go on."),
    "value_missing_file": N_("Please choose a file."),
    # typeMismatch
    "email_at": N_("An email address needs an @, as in name@example.com."),
    "email": N_("Please enter a whole email address, such as name@example.com."),
    "url": N_("Please enter a whole address, such as https://example.com/page."),
    # rangeUnderflow and rangeOverflow: a number, a day or a moment, with the field's bounds
    "number_between": N_("Please enter a number from %(min)s to %(max)s."),
    "number_min": N_("Please enter %(min)s or more."),
    "number_max": N_("Please enter %(max)s or less."),
    "day_between": N_("Please choose a day from %(min)s to %(max)s."),
    "day_min": N_("Please choose a day from %(min)s on."),
    "day_max": N_("Please choose a day up to %(max)s."),
    "moment_between": N_("Please choose a time from %(min)s to %(max)s."),
    "moment_min": N_("Please choose a time from %(min)s on."),
    "moment_max": N_("Please choose a time up to %(max)s."),
    # stepMismatch
    "whole_number": N_("Please enter a whole number."),
    "step": N_("Please enter a valid value; the nearest are %(low)s and %(high)s."),
    # patternMismatch: the field's title says the format, where it has one
    "pattern": N_("Please use the format asked for."),
    "pattern_title": N_("Please use the format asked for: %(title)s"),
    # badInput
    "bad_number": N_("Please enter a number."),
    "bad_date": N_("Please enter a whole date."),
    "bad_value": N_("Please enter a valid value."),
    # the image fields' chooser (templates/partials/cards.html `image_field`)
    "no_image": N_("No image chosen"),
}

# tooShort and tooLong: the form for the field's minlength or maxlength (%(num)s); %(now)s
# is how many characters the field holds.
FORM_PLURALS = {
    "too_short": plural_forms(
        "Please use at least %(num)s character (now %(now)s).",
        "Please use at least %(num)s characters (now %(now)s).",
    ),
    "too_long": plural_forms(
        "Please use at most %(num)s character (now %(now)s).",
        "Please use at most %(num)s characters (now %(now)s).",
    ),
}

_TRANSLATED: WeakKeyDictionary = WeakKeyDictionary()


@web.app_template_global("form_messages")
def form_messages() -> dict[str, str]:
    """FORM_MESSAGES in the reader's language, with each plural's `_one` and `_many` form
    (unfilled) for static/js/validity.js. Translated once per catalog; read only."""
    translations = get_translations()
    if translations not in _TRANSLATED:
        messages = {key: _(text) for key, text in FORM_MESSAGES.items()}
        for key, (singular, plural) in FORM_PLURALS.items():
            messages[f"{key}_one"] = translations.ngettext(singular, plural, 1)
            messages[f"{key}_many"] = translations.ngettext(singular, plural, 2)
        _TRANSLATED[translations] = messages
    return _TRANSLATED[translations]
