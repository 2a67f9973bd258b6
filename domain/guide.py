"""The encounter flow guide: the program's checklist as prompts a supporter reads in under a
minute (a draft built from published equivalents, see DESIGN.md). Only which steps were done is
ever logged; nothing said is."""

from __future__ import annotations

from dataclasses import dataclass

from domain.codes import FlowStep


@dataclass(frozen=True)
class GuideStep:
    code: FlowStep
    title: str
    prompts: tuple[str, ...]


STEPS: tuple[GuideStep, ...] = (
    GuideStep(
        FlowStep.approach,
        "Approach and invite",
        (
            "“That looked hard. Do you have a few minutes?”",
            "Find a private spot. Accept a “no” warmly and leave the door open.",
        ),
    ),
    GuideStep(
        FlowStep.confidentiality,
        "Your role and its limits",
        (
            "“I'm here as a peer supporter, not as your supervisor or therapist.”",
            "What you share stays between us, unless someone's safety is at risk.",
        ),
    ),
    GuideStep(
        FlowStep.listen,
        "Listen actively",
        (
            "Ask open questions: “What has this been like for you?”",
            "Let silence work. Resist the urge to fix.",
        ),
    ),
    GuideStep(
        FlowStep.reflect,
        "Reflect and validate",
        (
            "Name what you hear: “It sounds like you feel responsible.”",
            "“Anyone in your place could feel this way.”",
        ),
    ),
    GuideStep(
        FlowStep.normalize,
        "Normalize and reframe",
        (
            "Strong reactions to hard events are common and usually ease.",
            "Make sense of it together; do not argue with feelings.",
        ),
    ),
    GuideStep(
        FlowStep.cope,
        "Coping and strengths",
        (
            "“What has helped you get through hard days before?”",
            "Sleep, food, people, time off: what is within reach this week?",
        ),
    ),
    GuideStep(
        FlowStep.safety,
        "Safety check",
        (
            "Listen for red flags (below). If you hear one, ask directly about it.",
            "Asking about suicide does not plant the idea; it opens the door.",
        ),
    ),
    GuideStep(
        FlowStep.resources,
        "Resources and tangible aid",
        (
            "Offer one or two resources that fit; a warm hand-off beats a phone number.",
            "Tangible aid counts (“Did a task” on the log): covering a shift, a meal, a ride home.",
        ),
    ),
    GuideStep(
        FlowStep.close,
        "Close and follow up",
        (
            "“What would help most in the next day or two?”",
            "Agree when you will check in, and do.",
        ),
    ),
    GuideStep(
        FlowStep.self_care,
        "Your own debrief and care",
        ("Notice how this landed on you. Ask a trainer for a debrief if you want one.",),
    ),
)

LISTENING_BLOCKS: tuple[str, ...] = (
    "Fixing or advising too soon",
    "Comparing it with your own story",
    "Reassuring (“It will be fine”) before listening",
    "Judging or blaming",
    "Rehearsing your reply instead of hearing theirs",
    "Filling every silence",
)

RED_FLAGS: tuple[str, ...] = (
    "Talk of suicide, wanting to die, or being a burden",
    "A plan, access to means, or goodbyes",
    "Threats to harm others",
    "Impairment at work: intoxication, not sleeping for days, confusion",
    "Hopelessness that does not lift as you talk",
)

ESCALATION_PATH: tuple[str, ...] = (
    "Immediate danger: stay with them and call 911 (or your hospital's emergency line).",
    "Thoughts of suicide: call or text 988 together, now.",
    "Urgent but not immediate: warm hand-off to the EAP or an on-call clinician today.",
    "Then tell a program trainer, and ask for your own debrief.",
)
