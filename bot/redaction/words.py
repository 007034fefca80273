"""English words that tell a person's name from an ordinary word: the language, not local content.

Local words (systems, organisations, places) are content, in ``content/names/not-names.yaml``.
All words here are lower case.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Months, days, seasons and festivals: several are given names too (May, June, August, Summer).
CALENDAR = _words(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
    spring summer autumn winter christmas xmas easter eid diwali ramadan halloween hanukkah
    """
)

# Given names that are also ordinary words starting a sentence ("Will it work?", "Hope so",
# "Mark as done"): taken as a name only with a surname, a cue, or a reporting verb after them.
WORD_NAMES = _words(
    """
    will mark bill rose frank hope faith joy grace dawn amber ruby pearl jade crystal holly ivy daisy
    poppy lily iris heather violet jasmine hazel willow rowan saffron olive fern coral honey angel
    precious blessing favour patience charity mercy liberty destiny harmony serenity trinity heaven
    honor honour melody sapphire bluebell nova river storm sunny robin wren jay eve carol sandy penny
    ray guy pat sue rob bob nick dean drew chase miles grant lance heath dale glen gene art don
    sterling mercedes christian roman max
    """
)

# Given names that are ordinary words in lower case; lower-case text is read as a name only when
# the word is not one of these.
LOWERCASE_WORDS = WORD_NAMES | _words(
    """
    jack sonny hunter mason archer piper carter cooper taylor parker harper tanner bobby billy kitty
    teddy forrest marshall wade ernest norman victor august summer autumn winter april june may
    jimmy sam ben bonnie candy rocky dolly reggie frankie rex
    """
)

# Words before a name that show it is a person: "mum Kelly", "the child Jayden", "my client Tyler".
RELATION_CUES = _words(
    """
    mum mummy mom mother dad daddy father stepmum stepdad step-mum step-dad stepmother stepfather
    nan nana nanna nanny gran granny grandma grandmother grandad granddad grandpa grandfather
    grandparent aunt auntie aunty uncle cousin brother sister half-brother half-sister stepbrother
    stepsister sibling siblings twin twins son daughter stepson stepdaughter niece nephew baby child
    children yp cyp client carer carers partner ex-partner boyfriend girlfriend husband wife fiance
    fiancé friend neighbour lodger toddler infant newborn teenager girl boy pupil called named aka
    """
)
TITLES = _words("mr mrs ms miss mx dr mstr")

# Words before a name that show it is a person when the name is a known given name: roles
# ("manager Sarah"), greetings ("Hi Will") and verbs of meeting or telling ("asked Mark").
PERSON_PRECEDERS = _words(
    """
    worker sw manager tm iro practitioner colleague teacher headteacher senco nurse gp doctor midwife
    officer supervisor psychologist therapist solicitor guardian coordinator co-ordinator advisor
    adviser director cc hi hello hey dear thanks thank cheers ask asked tell told met meet saw see
    visited visit called call rang ring phoned phone emailed email texted text messaged message
    with to from and or by thanked helped supporting supported supervised supervising
    """
)

# After a given name, a verb only people do shows the name is a person's: "Jayden said",
# "Tyler was upset". Systems and places are not given names, so "Mosaic was slow" stays.
PERSON_VERBS = _words(
    """
    said says told tells disclosed discloses reported reports stated states explained explains shared
    shares asked asks wants wanted was is has had were are will would can could should might must may
    does did doesn't didn't isn't wasn't hasn't hadn't can't cannot won't wouldn't couldn't shouldn't
    lives lived attends attended goes went likes liked loves loved cried cries seemed seems felt feels
    presented presents appeared appears came comes returned returns stayed stays moved moves refused
    refuses agreed agrees mentioned mentions spoke speaks talked talks enjoys enjoyed struggles
    struggled needs needed became started starts left ran hit kicked arrived turned wrote drew played
    plays slept sleeps ate eats woke screamed shouted sees saw visits visited met meets missed misses
    gets got began uses tried tries thinks thought knows knew wishes wished hopes hoped worries
    worried remains remained continues continued responded replied answered denied admitted confirmed
    alleged alleges self-harmed absconded engaged engages declined declines smiled laughed understood
    understands lied joined looked looks sounded behaved behaves settled thrives thrived requires
    required identified called rang phoned texted emailed messaged complained
    """
)
# For names that are also ordinary words, only verbs of saying and living: "Grace said ...",
# "Will lives with ...", never "Hope is ...".
SPEECH_VERBS = _words(
    """
    said says told tells disclosed discloses reported stated states explained explains asked asks
    mentioned mentions replied responded answered shared confirmed denied admitted alleged alleges
    cried shouted screamed spoke speaks talked talks lives lived attends attended wants wanted wrote
    emailed phoned rang texted messaged thinks thought complained agreed refused
    """
)
# May stand between a name and its verb: "Jayden has also said".
VERB_FILLERS = _words(
    "also then later now still never always often recently previously initially already just really has had have"
)

# After a surname: "the Smith family".
FAMILY_WORDS = _words("family household children kids twins siblings boys girls brothers sisters")

ARTICLES = _words("the a an this that these those any some every each another no")
POSSESSIVES = _words("my your our their its his her of")
LINKS = _words("and or &")

# Places and organisations after a name show it is not a person's: "Rose Hill Primary School".
INSTITUTION_WORDS = _words(
    """
    school schools academy college primary secondary nursery infants juniors hospital ward unit centre
    center house home court hall lodge street road avenue drive close lane crescent terrace way place
    square gardens park trust foundation project team service services hub surgery practice clinic
    church chapel mosque temple library station estate
    """
)
# Common surnames that are also words of places: a surname only after an unambiguous given name
# ("Jayden Hall", not "Rose Hill").
WEAK_SURNAMES = _words(
    """
    hall hill hills green wood woods park lane field fields brook brooks ford bridge bridges marsh moss
    banks church lodge cross grove dale gate gates mill mills wells well castle heath meadow meadows
    hurst ridge valley vale garden ward young west day little long
    """
)

# Capitalised words that are never part of a name here: function words and sentence starters, and
# the words of children's services (teams, roles, processes, places in a building).
NOT_NAME_WORDS = (
    _words(
        """
        the a an and but or so if when then this that these those it its he she they we you i his her
        their our my your me him them us in on at to for from with without by of as is was are were be
        been being has have had do does did not no yes also just only still now today tomorrow
        yesterday tonight please thanks thank hi hello hey dear regards cheers ok okay all some any every
        each both who what where why how which after before since until during because although though
        while whilst can could would should might must shall there here very really maybe perhaps
        sometimes usually often never always about around over under up down out off into onto via per
        re fyi note notes update updates action actions none nothing everyone everybody anyone someone
        somebody nobody other others another same more most less least many much few several first
        second third last next new old good bad great big small high low short late early
        sorry overall generally honestly currently unfortunately again once twice hence however
        therefore otherwise instead meanwhile unless whether either neither nor yet already even ever
        almost quite rather too lots loads half whole quarter monthly weekly daily annual annually
        most more such like unlike than across along among between beyond within upon against toward
        towards except despite
        """
    )
    | _words(
        """
        social work worker workers working team teams manager managers management lead leads leader
        head heads service services council councils borough county city district authority
        authorities children childrens child family families people person persons adult
        adults care carer carers leaver leavers help front door duty assessment assessments intake
        court courts legal safeguarding protection plan plans planning review reviews conference
        conferences panel panels board boards partnership partnerships hub hubs health visitor
        visitors school schools academy academies college colleges primary secondary nursery
        nurseries junior hospital hospitals wards unit units centre centres center house home
        homes street road avenue drive close place square way crescent terrace mews estate estates
        trust trusts foundation project projects programme programmes program network networks group
        groups office offices support business admin administration finance performance data
        quality assurance improvement improvements digital transformation system systems case cases
        casework caseload caseloads record records recording chronology chronologies report reports
        reporting form forms module modules portal portals dashboard dashboards workflow workflows
        training supervision meeting meetings visit visits visiting upgrade upgrades release releases
        version versions login logins password passwords account accounts access mobile laptop
        laptops phone phones email emails tablet app apps software hardware server wifi vpn internet
        intranet website online offline word term terms holiday holidays period periods week weeks
        days night nights weekend weekends morning mornings afternoon afternoons evening evenings
        month months year years bank principal senior deputy director directors assistant officer
        officers practitioner practitioners advanced consultant consultants coordinator
        co-ordinator advisor adviser administrator administrators chair chairs independent
        reviewing foster fostering adoption residential placement placements virtual looked need
        needs signs safety police probation youth justice offending edge missing exploitation
        contextual disabled disability disabilities send education educational mental camhs gp nurse
        nurses doctor doctors midwife paediatrician solicitor solicitors guardian judge magistrate
        local national government department english welsh british north south east northern
        southern eastern western central greater st saint royal upper lower zoo station airport
        football fc united rovers athletic albion cathedral church chapel mosque temple library
        museum gallery cinema theatre stadium leisure sports club clubs camp festival event events
        fair scheme schemes payment payments power gardens psych psychology therapy counselling sw tm
        iro senco pa hr ict section sections act acts order orders emergency interim strategy
        discussion discussions referral referrals contact contacts transfer transfers closure
        closures episode episodes outcome outcomes pathway pathways pledge standard standards
        guidance policy policies procedure procedures framework frameworks model models practice
        practices approach approaches inspection inspections audit audits survey surveys question
        questions answer answers feedback comment comments issue issues problem problems bug bugs
        error errors fix fixes screen screens button buttons tab tabs page pages list lists search
        filter print printing save saving upload uploads download downloads document documents letter
        letters attachment attachments template templates task tasks alert alerts notification
        notifications covid lockdown agency agencies locum locums staff staffing colleague colleagues
        student students apprentice apprentices newly qualified permanent full part time flexible
        hybrid remote sure start troubled thriving kinship special guardianship cloud microsoft
        pilot phase stage level levels tier tiers step steps role roles job jobs post posts vacancy
        vacancies recruitment retention budget budgets cost costs money funding grants
        contract contracts supplier suppliers vendor vendors provider providers procurement
        tender licence license licences user users login manual manuals handbook guide guides
        """
    )
    | RELATION_CUES
)
