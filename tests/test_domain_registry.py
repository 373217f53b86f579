"""Every action and form in the domain has a registered class, and the reverse."""

import importlib
import inspect
import pkgutil

from rasa_sdk import Action

import actions


def registered_action_names():
    for module in pkgutil.walk_packages(actions.__path__, "actions."):
        importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return {
        sub().name()
        for sub in subclasses(Action)
        if sub.__module__.startswith("actions.") and "name" in vars(sub) and not inspect.isabstract(sub)
    }


def test_domain_actions_and_registered_actions_match(domain):
    in_domain = set(domain["actions"])
    in_code = registered_action_names()
    assert in_domain == in_code


def test_every_form_has_a_validation_action(domain):
    assert {f"validate_{form}" for form in domain["forms"]} <= registered_action_names()


def test_every_form_slot_has_a_question(domain):
    for form in domain["forms"].values():
        for slot in form["required_slots"]:
            assert f"utter_ask_{slot}" in domain["responses"], slot


def test_every_action_in_rules_and_stories_exists(domain):
    from pathlib import Path

    import yaml

    known = set(domain["actions"]) | set(domain["responses"]) | set(domain["forms"]) | {
        "action_two_stage_fallback", "action_deactivate_loop", "action_listen"}
    used = set()
    for path in Path(__file__).resolve().parents[1].joinpath("data").rglob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in (data.get("rules") or []) + (data.get("stories") or []):
            used |= {step["action"] for step in block.get("steps", []) if "action" in step}
    assert used - known == set()


def test_answers_inside_the_intake_match_the_answers_outside_it():
    from pathlib import Path

    import yaml

    rules_dir = Path(__file__).resolve().parents[1] / "data" / "rules"

    def answers(file_name):
        found = {}
        for rule in yaml.safe_load((rules_dir / file_name).read_text(encoding="utf-8"))["rules"]:
            steps = rule["steps"]
            if "intent" not in steps[0]:
                continue  # a follow-up rule (e.g. the answer to a confirmation), not an answer to an intent
            actions = [s["action"] for s in steps if "action" in s and s["action"] != "intake_form"]
            found[steps[0]["intent"]] = actions
        return found

    outside = {**answers("topics.yml"), **answers("conversation.yml")}
    inside = answers("intake_interruptions.yml")
    assert {intent: outside[intent] for intent in inside} == inside
