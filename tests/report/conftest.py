"""Shared fixtures for the report tests: the real bundled encoder, loaded once per session."""

from __future__ import annotations

import json

import pytest

# (id, group, speaker, role, domain, polarity, text); domain None = not codable (interviewer).
UTTERANCES = [
    ("u01", "patients", "P1", "participant", "capability.physical", "barrier",
     "By the time I've had a wash I'm that breathless I can't even think about the walking they want me doing."),
    ("u02", "patients", "P2", "participant", "capability.physical", "barrier",
     "I get so breathless on the stairs that I've stopped going up to weigh myself on the bathroom scales."),
    ("u03", "patients", "P3", "participant", "capability.physical", "barrier",
     "Some mornings the breathlessness is so bad I can't get to the rehab class at all."),
    ("u04", "patients", "P1", "participant", "capability.physical", "barrier",
     "My fingers won't do the little clip on the blood pressure cuff, they're too stiff in the morning."),
    ("u05", "family carers", "C1", "participant", "capability.physical", "barrier",
     "Her hands shake too much to press the inhaler and breathe in at the same time."),
    ("u06", "patients", "P4", "participant", "capability.physical", "barrier",
     "With my arthritis I can't open the blister packs, the foil is too fiddly for my hands."),
    ("u07", "patients", "P2", "participant", "capability.psychological", "barrier",
     "I write the numbers down but honestly I don't know what a good reading is supposed to be."),
    ("u08", "family carers", "C2", "participant", "capability.psychological", "barrier",
     "Nobody explained what the water tablets are for, so I never knew whether to give him the extra one."),
    ("u09", "professionals", "N1", "participant", "capability.psychological", "facilitator",
     "Once they understand what the weight gain means, they ring us much earlier."),
    ("u10", "patients", "P3", "participant", "opportunity.physical", "barrier",
     "By the time he's weighed me there's maybe four minutes left, and that's when I'd want to ask about the tablets."),
    ("u11", "patients", "P4", "participant", "opportunity.physical", "barrier",
     "Two buses there and two back, and the rehab class is at half nine in the morning."),
    ("u12", "family carers", "C1", "participant", "opportunity.physical", "barrier",
     "The scales they gave us stopped working after a fortnight and we're still waiting on a replacement."),
    ("u13", "professionals", "N2", "participant", "opportunity.physical", "barrier",
     "Clinic slots are ten minutes, there is no time to go through the self-care plan properly."),
    ("u14", "professionals", "N1", "participant", "opportunity.physical", "facilitator",
     "The telemonitoring kit sends the readings straight to us, so nobody has to travel in."),
    ("u15", "family carers", "C2", "participant", "opportunity.social", "facilitator",
     "My daughter comes with me to every appointment and she writes down what the doctor says."),
    ("u16", "patients", "P1", "participant", "opportunity.social", "facilitator",
     "The heart failure nurse always asks what I want to focus on, she treats me like a partner."),
    ("u17", "patients", "P2", "participant", "opportunity.social", "facilitator",
     "At the support group we swap tips about low salt cooking, it helps knowing others manage."),
    ("u18", "family carers", "C1", "participant", "opportunity.social", "barrier",
     "The consultant talks over me <script>alert('x')</script> as if I'm not the one doing the caring."),
    ("u19", "patients", "P4", "participant", "motivation.reflective", "barrier",
     "What's the point of exercising at my age, it's not going to make my heart any better."),
    ("u20", "patients", "P3", "participant", "motivation.reflective", "facilitator",
     "I want to see my granddaughter's wedding, so I keep up with the weights and the walking."),
    ("u21", "professionals", "N2", "participant", "motivation.reflective", "facilitator",
     "Patients who see their own readings improve start believing the plan is worth it."),
    ("u22", "patients", "P2", "participant", "motivation.automatic", "barrier",
     "I dread the scales every morning, I just can't face seeing the number go up."),
    ("u23", "family carers", "C2", "participant", "motivation.automatic", "barrier",
     "He panics when he's short of breath and then he won't do any of the breathing exercises."),
    ("u24", "patients", "P1", "participant", "motivation.automatic", "facilitator",
     "Taking the tablets with my morning tea is just habit now, I don't even think about it."),
    ("u25", "patients", "P3", "participant", "none", "neutral",
     "I live on my own in a bungalow near the park."),
    ("u26", "professionals", "N1", "participant", "none", "neutral",
     "I have worked on the ward for about twelve years now."),
    ("u27", "patients", "I1", "interviewer", None, None,
     "Can you tell me about the last time you saw the nurse?"),
    ("u28", "professionals", "I1", "interviewer", None, None,
     "How do you decide what to cover in a clinic appointment?"),
    ("u29", "patients", "P4", "participant", "capability.physical", "facilitator",
     "Since the rehab course I can walk to the shop and back without stopping."),
    ("u30", "family carers", "C1", "participant", "opportunity.social", "facilitator",
     "The pharmacist sat down with both of us and went through every tablet."),
]
# Human review: u31 is the model's 'none', corrected; u16 is confirmed.
HUMAN_CORRECTED = ("u31", "patients", "P2", "participant", "none", "neutral",
                   "The hospital car park is always full so I miss half my appointment driving round.")
HUMAN = {
    "u31": {"domain": "opportunity.physical", "polarity": "barrier", "coder": "ann"},
    "u16": {"domain": "opportunity.social", "polarity": "facilitator", "coder": "ann"},
}


def output_line(uid, group, speaker, role, domain, polarity, text, score=0.8):
    codable = domain is not None
    line = {
        "id": uid, "doc_id": f"{group.replace(' ', '-')}-01", "turn_index": int(uid[1:]), "start": 0,
        "end": len(text), "text": text, "speaker": speaker, "role": role, "group": group,
        "source_type": "interview", "codable": codable,
        "skip_reason": None if codable else "interviewer", "time_start": None, "time_end": None,
        "domain": domain, "domain_score": score if codable else None,
        "polarity": polarity, "polarity_score": 0.9 if codable else None,
        "suggestions": [{"domain": domain, "score": score}] if codable else None,
        "model": "logreg-test" if codable else None,
    }
    if uid in HUMAN:
        line["human"] = HUMAN[uid]
    return line


@pytest.fixture(scope="session")
def expected_codes() -> dict[str, tuple[str, str | None, str | None]]:
    """Return {id: (group, domain, polarity)} as the report must count them: human codes first."""
    out = {}
    for uid, group, _, _, domain, polarity, _ in UTTERANCES + [HUMAN_CORRECTED]:
        if uid in HUMAN:
            domain, polarity = HUMAN[uid]["domain"], HUMAN[uid]["polarity"]
        out[uid] = (group, domain, polarity)
    return out


@pytest.fixture(scope="session")
def embedder():
    from combcoder.embed import Embedder

    return Embedder()


@pytest.fixture(scope="module")
def utterances_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("code") / "utterances.jsonl"
    rows = [output_line(*u, score=0.5 + (i % 5) / 10) for i, u in enumerate(UTTERANCES + [HUMAN_CORRECTED])]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
