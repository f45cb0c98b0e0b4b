def test_member_posts_votes_and_claims(member, other_member):
    idea = member.post("ideas", json={"title": "Trade fair reel", "body": "**Short** clips",
                                      "tags": ["Instagram"]})
    assert idea.status_code == 201, idea.get_json()
    idea_id = idea.get_json()["id"]
    vote = other_member.put(f"ideas/{idea_id}/vote")
    assert vote.get_json() == {"idea_id": idea_id, "votes": 1, "voted": True,
                               "departments_supporting": 1}
    task = member.post("tasks", json={"title": "Film booth", "idea_id": idea_id})
    assert task.status_code == 201
    claim = other_member.post(f"tasks/{task.get_json()['id']}/claim")
    assert claim.get_json()["claimed_by"]["display_name"] == "Ivan"
    events = member.get("events?after=0").get_json()
    assert [e["type"] for e in events["items"]] == [
        "idea.created", "idea.votes_changed", "task.created", "task.claimed"]
