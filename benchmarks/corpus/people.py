"""Labs and people: who writes a lab's papers, and how careers move between labs."""

from __future__ import annotations

import math
import random
from array import array
from collections import defaultdict, deque
from dataclasses import dataclass, field

from .names import Name, NameModel, usual_form
from .real import Topics

LAB_PAPERS_PER_MONTH = 0.35     # mean output of a lab; sets how many labs are active
LAB_WEIGHT_ALPHA, LAB_WEIGHT_CAP = 1.7, 15.0  # Pareto output weights: a few labs write a lot
LEAD_CAREER_YEARS, LEAD_CAREER_SIGMA = 12.0, 0.6  # lognormal years a lab stays active
MEMBER_STAY_MONTHS = 24         # mean stay of a student or postdoc (exponential, 3–96)
P_HOME_TOPIC, P_SECOND_TOPIC = 0.7, 0.2   # else any record of the lab's category
P_EXTERNAL = 0.3                # a paper of ≥ 3 authors has someone from a partner lab
P_ONE_OFF = 0.15                # a member's slot goes to someone seen on this paper only
P_SOLO_MEMBER = 0.2             # a one-author paper is a member's, not the lead's
P_LEAVER_LEADS, P_LEAVER_MOVES = 0.2, 0.25  # a leaving member later leads a lab / joins one
P_LEAD_FROM_LEAVERS, P_HIRE_FROM_LEAVERS = 0.5, 0.3


@dataclass(slots=True)
class Lab:
    topic: int
    second_topic: int
    category: str
    weight: float            # relative output
    end: int                 # month index the lab closes
    size: int                # members it grows to
    partners: list[Lab]
    lead: int = -1           # person id, given at the lab's first paper
    members: list[list[int]] = field(default_factory=list)  # [person, month they leave]


class People:
    """Everyone of the corpus: their names, labs and careers, made as papers need them."""

    def __init__(self, names: NameModel, topics: Topics, rng: random.Random) -> None:
        self.name_model, self.topics, self.rng = names, topics, rng
        self.names: list[Name] = []
        self.forms = bytearray()
        self.forms_used = array("I")  # bit f set: written in form f at least once
        self.papers = array("I")
        self.first_year, self.last_year = array("H"), array("H")
        self.topic = array("I")
        self.leaders: dict[str, deque[int]] = defaultdict(lambda: deque(maxlen=5000))  # leavers to lead a lab
        self.movers: dict[str, deque[int]] = defaultdict(lambda: deque(maxlen=5000))   # leavers to join one
        self.recent: dict[str, deque[Lab]] = defaultdict(lambda: deque(maxlen=300))    # labs, to partner with
        self._interned: dict[Name, Name] = {}

    def new_person(self, topic: int) -> int:
        name = self.name_model.draw(self.rng)
        name = self._interned.setdefault(name, name)
        self.names.append(name)
        self.forms.append(usual_form(name, self.rng))
        self.forms_used.append(0)
        self.papers.append(0)
        self.first_year.append(0)
        self.last_year.append(0)
        self.topic.append(topic)
        return len(self.names) - 1

    def found_lab(self, month: int, started_before: bool = False) -> Lab:
        """A new lab; one already running when the corpus starts has part of its career left."""
        rng = self.rng
        topic = self.topics.pick()
        category = self.topics.category_of[topic]
        years = min(40.0, rng.lognormvariate(math.log(LEAD_CAREER_YEARS), LEAD_CAREER_SIGMA))
        if started_before:
            years *= rng.random()
        weight = min(LAB_WEIGHT_CAP, rng.paretovariate(LAB_WEIGHT_ALPHA))
        recent = self.recent[category]
        partners = rng.sample(list(recent), min(2, len(recent)))
        lab = Lab(topic, self.topics.pick_near(topic), category, weight, month + max(6, int(years * 12)),
                  min(30, 1 + int(weight * 1.5)), partners)
        recent.append(lab)
        return lab

    def lead_of(self, lab: Lab) -> int:
        if lab.lead < 0:
            leaders = self.leaders[lab.category]
            from_leavers = leaders and self.rng.random() < P_LEAD_FROM_LEAVERS
            lab.lead = leaders.popleft() if from_leavers else self.new_person(lab.topic)
        return lab.lead

    def close(self, lab: Lab) -> None:
        for member in lab.members:
            self._leave(lab, member[0])
        lab.members = []

    def _leave(self, lab: Lab, person: int) -> None:
        r = self.rng.random()
        if r < P_LEAVER_LEADS:
            self.leaders[lab.category].append(person)
        elif r < P_LEAVER_LEADS + P_LEAVER_MOVES:
            self.movers[lab.category].append(person)

    def _hire(self, lab: Lab, month: int) -> int:
        movers = self.movers[lab.category]
        person = movers.popleft() if movers and self.rng.random() < P_HIRE_FROM_LEAVERS else self.new_person(lab.topic)
        stay = min(96, max(3, int(self.rng.expovariate(1 / MEMBER_STAY_MONTHS))))
        lab.members.append([person, month + stay])
        return person

    def team(self, lab: Lab, k: int, month: int) -> list[int]:
        """k of the lab's people for one paper: members (hired as needed), now and then a one-off."""
        rng = self.rng
        staying = [m for m in lab.members if m[1] > month]
        if len(staying) < len(lab.members):
            for member in lab.members:
                if member[1] <= month:
                    self._leave(lab, member[0])
            lab.members = staying
        one_offs = sum(rng.random() < P_ONE_OFF for _ in range(k - 1)) if k > 1 else 0
        need = k - one_offs
        # Everyone hired is on the paper they were hired for: nobody is left without a paper.
        hired = [self._hire(lab, month) for _ in range(need - len(lab.members))]
        if not hired and len(lab.members) < lab.size and rng.random() < 0.1:
            hired.append(self._hire(lab, month))  # the lab grows
        others = [m[0] for m in lab.members[: len(lab.members) - len(hired)]]
        chosen = hired + rng.sample(others, need - len(hired)) + [self.new_person(lab.topic) for _ in range(one_offs)]
        rng.shuffle(chosen)
        return chosen

    def partner(self, lab: Lab, month: int) -> int | None:
        """Someone from one of the lab's partner labs (its lead, or a member), if one is open."""
        if not lab.partners:
            return None
        i = self.rng.randrange(len(lab.partners))
        other = lab.partners[i]
        if other.end <= month:
            recent = [p for p in self.recent[lab.category] if p.end > month and p is not lab]
            if not recent:
                return None
            other = lab.partners[i] = self.rng.choice(recent)
        members = [m[0] for m in other.members if m[1] > month]
        if members and self.rng.random() < 0.5:
            return self.rng.choice(members)
        return self.lead_of(other)

    def authors(self, lab: Lab, n: int, month: int) -> list[int]:
        """The people of one paper of n authors: members first, a partner's, the lead last."""
        rng = self.rng
        if n <= 1:
            return self.team(lab, 1, month) if rng.random() < P_SOLO_MEMBER else [self.lead_of(lab)]
        external = 0
        if n >= 3 and rng.random() < P_EXTERNAL:
            external = 1 + (n >= 4 and rng.random() < 0.4)
        people = self.team(lab, n - 1 - external, month)
        people += [p for p in (self.partner(lab, month) for _ in range(external)) if p is not None]
        people.append(self.lead_of(lab))
        return list(dict.fromkeys(people))  # one person is never two authors of one paper

    def credit(self, person: int, year: int) -> None:
        self.papers[person] += 1
        if not self.first_year[person]:
            self.first_year[person] = year
        self.last_year[person] = year
