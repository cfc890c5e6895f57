"""Write the bundled samples of the encoder tasks beyond single-label classification, deterministically.

    python assets/make_task_samples.py

Every sentence is put together here from hand-written fragments, names and templates (all names invented), with a
fixed seed, so running it again gives the same files byte for byte. It writes, under assets/samples/:

- `tags/`: short news-style texts with one to three topic tags (multi-label), JSON Lines;
- `similarity/`: sentence pairs with a 0-5 similarity score (regression), CSV;
- `entities/`: sentences with PER / ORG / LOC / MISC entities in IOB2 (token classification), JSON Lines;
- `questions/`: paragraphs with several questions each, SQuAD layout, some answers deep in long contexts (QA).

Each folder has train / validation / test files; the cards (CARD.md) are written by hand.
"""

import csv
import json
import random
import re
from pathlib import Path

SAMPLES = Path(__file__).parent / "samples"
SEED = 20240516

# ---------------------------------------------------------------------------------------------------- names
FIRST = [
    "Ada",
    "Bruno",
    "Clara",
    "Dmitri",
    "Elena",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kaito",
    "Lena",
    "Mateo",
    "Nadia",
    "Oskar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tamsin",
    "Ulla",
    "Viktor",
    "Wren",
    "Yara",
]
LAST = [
    "Marlow",
    "Okafor",
    "Lindqvist",
    "Varga",
    "Castell",
    "Brennan",
    "Sato",
    "Moreau",
    "Halvorsen",
    "Quill",
    "Adeyemi",
    "Rourke",
    "Falk",
    "Ivanova",
    "Pereira",
    "Strand",
    "Tolland",
    "Ferreira",
    "Nakamura",
    "Ashby",
]
ORGS = [
    "Kestrel Motors",
    "Northfield United",
    "Brightwater Bank",
    "Orion Labs",
    "the Valdorian Health Service",
    "Marrow Foods",
    "Copperline Rail",
    "Silverpine Records",
    "Halden University",
    "Aster Pharma",
    "the Tidewater Institute",
    "Ostvik Wolves",
    "Lumen Systems",
    "Greyharbour Press",
    "Redfern Energy",
]
PLACES = [
    "Valdoria",
    "Port Arlen",
    "Marrowgate",
    "Eskeby",
    "New Halden",
    "Corvina",
    "Lake Tessin",
    "Brightwater",
    "the Sarn Valley",
    "Ostvik",
    "Karsk",
    "Mirefield",
    "Alder Bay",
    "Teskar",
    "Fenmouth",
]
MISC = [
    "Valdorian",
    "Corvinan",
    "Eskeby Marathon",
    "Summer Lantern Festival",
    "Orion Prize",
    "Karskian",
    "Tessin Cup",
    "Harbour Jazz Week",
    "Ostvik Open",
    "Arlenese",
]


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def split_three(rows: list, rng: random.Random, validation: int, test: int) -> dict[str, list]:
    rows = list(rows)
    rng.shuffle(rows)
    return {
        "validation": rows[:validation],
        "test": rows[validation : validation + test],
        "train": rows[validation + test :],
    }


def write_jsonl(folder: Path, splits: dict[str, list[dict]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in splits.items():
        with (folder / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------------------------------- tags
# Each tag has its own topic words, and a text names at least one of them for every tag it carries: what a model must
# learn is which words point to which tag, a signal a small BERT from random weights picks up in a few epochs. The
# frames around the words are shared by every tag, so they carry no signal of their own.
TAG_WORDS = {
    "business": ["bank", "shares", "profits", "investors", "prices", "wages", "loans", "exports", "taxes", "markets"],
    "health": [
        "doctors",
        "hospital",
        "vaccine",
        "nurses",
        "clinic",
        "flu",
        "surgery",
        "patients",
        "medicine",
        "virus",
    ],
    "sports": [
        "football",
        "tennis",
        "striker",
        "league",
        "stadium",
        "coach",
        "marathon",
        "referee",
        "cricket",
        "goal",
    ],
    "technology": [
        "software",
        "robot",
        "laptop",
        "smartphone",
        "chip",
        "app",
        "internet",
        "drone",
        "server",
        "battery",
    ],
    "weather": ["storm", "rain", "snow", "flood", "heatwave", "wind", "fog", "drought", "hail", "frost"],
}
TAG_FRAMES = [
    "news about {a} and {b}",
    "{a} and {b} in the headlines",
    "a report on {a} and {b}",
    "more {a}, less {b}",
    "talks on {a} and {b}",
]
JOINERS = ["; ", ", and ", " while "]


def make_tags(rng: random.Random) -> dict[str, list[dict]]:
    rows, seen = [], set()
    tags = sorted(TAG_WORDS)
    while len(rows) < 2000:
        chosen = rng.sample(tags, rng.choices([1, 2, 3], weights=[40, 40, 20])[0])
        clauses = []
        for tag in chosen:
            a, b = rng.sample(TAG_WORDS[tag], 2)
            frame = rng.choice(TAG_FRAMES)
            clauses.append(frame.format(a=a, b=b))
        text = clauses[0]
        for clause in clauses[1:]:
            text += rng.choice(JOINERS) + clause
        text = text[0].upper() + text[1:]
        if text not in seen:
            seen.add(text)
            rows.append({"text": text, "labels": sorted(chosen)})
    return split_three(rows, rng, 150, 150)


# ---------------------------------------------------------------------------------------------------- similarity
# Both sentences of a pair fill the same frame's four slots (who, does, what, where), one word each. The second keeps
# some of the first's words and swaps the others for words of the same slot from a second list, which the first
# sentence never uses. The score is the share of words kept, times 5, plus a little noise: lexical overlap of content
# words. Because a swapped-in word can only come from the second list, a small model learns the overlap by spotting
# those words in the second sentence, without having to match the two sentences word by word; a sample where every
# word may stand on both sides (the earlier version) taught a 2-layer model from random weights nothing in a short run.
SIM_SLOTS = [
    ["baker", "pilot", "farmer", "teacher", "doctor", "sailor", "painter", "student"],
    ["paints", "carries", "washes", "sells", "repairs", "buys", "drops", "moves"],
    ["boat", "chair", "bicycle", "ladder", "basket", "guitar", "lamp", "table"],
    ["kitchen", "garden", "market", "harbour", "station", "library", "barn", "square"],
]
SIM_SWAPS = [
    ["miner", "nurse", "clown", "judge", "tailor", "priest"],
    ["hides", "breaks", "finds", "kicks", "cleans", "lifts"],
    ["kettle", "rope", "mirror", "bucket", "drum", "barrel"],
    ["cellar", "attic", "forest", "stable", "chapel", "hallway"],
]
SIM_FRAME = "the {0} {1} the {2} in the {3}."


def make_similarity(rng: random.Random) -> dict[str, list[dict]]:
    rows, seen = [], set()
    while len(rows) < 1200:
        first = [rng.choice(slot) for slot in SIM_SLOTS]
        kept = set(rng.sample(range(4), rng.randint(0, 4)))
        second = [word if index in kept else rng.choice(SIM_SWAPS[index]) for index, word in enumerate(first)]
        score = max(0.0, min(5.0, 5.0 * len(kept) / 4 + rng.uniform(-0.3, 0.3)))
        pair = tuple(SIM_FRAME.format(*words).capitalize() for words in (first, second))
        if pair not in seen:
            seen.add(pair)
            rows.append({"sentence1": pair[0], "sentence2": pair[1], "score": round(score, 1)})
    return split_three(rows, rng, 100, 100)


def write_csv(folder: Path, splits: dict[str, list[dict]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in splits.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


# ---------------------------------------------------------------------------------------------------- entities
ENTITY_TEMPLATES = [
    "{PER} joined {ORG} in {LOC} last spring .",
    "{ORG} opened a new office in {LOC} .",
    "{PER} said the {MISC} team would travel to {LOC} on Monday .",
    "The {MISC} was won by {PER} of {ORG} .",
    "Police in {LOC} questioned {PER} about the fire .",
    "{PER} , a spokesman for {ORG} , declined to comment .",
    "Flights from {LOC} to {LOC} were cancelled because of fog .",
    "{ORG} beat {ORG} 2-1 in {LOC} .",
    "{PER} met {PER} at the {MISC} in {LOC} .",
    "Shares in {ORG} rose after {PER} became chief executive .",
    "The {MISC} minister visited {LOC} and {LOC} this week .",
    "{PER} will lead {ORG} until the end of the year .",
    "Fans of {ORG} gathered outside the stadium in {LOC} .",
    "A {MISC} court fined {ORG} for late reports .",
    "{PER} grew up in {LOC} before moving to {LOC} .",
    "Tickets for the {MISC} sold out within an hour .",
    "{ORG} and {ORG} agreed to share research costs .",
    "{PER} scored twice as {ORG} won the {MISC} .",
    "Heavy rain closed roads between {LOC} and {LOC} .",
    "According to {PER} , {ORG} will hire more staff .",
    "The report by {ORG} praised the schools of {LOC} .",
    "{PER} thanked the {MISC} fans after the final .",
    "Nobody from {ORG} was in {LOC} on the day of the vote .",
    "{PER} and {PER} wrote the song together .",
]


def bio(name: str, kind: str) -> list[tuple[str, str]]:
    words = name.split()
    return [(word, ("B-" if i == 0 else "I-") + kind) for i, word in enumerate(words)]


def make_entities(rng: random.Random) -> dict[str, list[dict]]:
    pools = {
        "PER": lambda: person(rng),
        "ORG": lambda: rng.choice(ORGS).removeprefix("the "),
        "LOC": lambda: rng.choice(PLACES).removeprefix("the "),
        "MISC": lambda: rng.choice(MISC),
    }
    rows, seen = [], set()
    while len(rows) < 1000:
        template = rng.choice(ENTITY_TEMPLATES)
        pairs: list[tuple[str, str]] = []
        for piece in template.split():
            match = re.fullmatch(r"\{(PER|ORG|LOC|MISC)\}", piece)
            pairs += bio(pools[match.group(1)](), match.group(1)) if match else [(piece, "O")]
        tokens = [word for word, _ in pairs]
        if tuple(tokens) not in seen:
            seen.add(tuple(tokens))
            rows.append({"tokens": tokens, "ner_tags": [tag for _, tag in pairs]})
    return split_three(rows, rng, 100, 100)


# ---------------------------------------------------------------------------------------------------- questions
PRODUCTS = [
    "bicycles",
    "violins",
    "cheese",
    "sailing boats",
    "telescopes",
    "wool blankets",
    "clocks",
    "ceramic tiles",
    "paper lanterns",
    "rope",
    "maps",
    "glass bottles",
]
FILLER = [
    "The town is known for its narrow streets and its covered market.",
    "Visitors often arrive by ferry in the summer months.",
    "Winters there are long, wet and windy.",
    "A small museum in the old customs house tells the history of the harbour.",
    "Most families kept goats and grew potatoes until the railway came.",
    "The local football club has never won a national trophy.",
    "Every autumn the square fills with stalls selling apples and honey.",
    "The bridge over the river was rebuilt twice after floods.",
    "Many of the houses are painted in pale blue and yellow.",
    "The nearest hospital is an hour away by road.",
    "A weekly newspaper has been printed in the same building since the war.",
    "In the evenings, fishermen mend their nets along the quay.",
    "The school has fewer than two hundred pupils.",
    "Tourists climb the hill behind the church for the view of the bay.",
]


def make_questions(rng: random.Random) -> dict[str, list[dict]]:
    paragraphs = []
    while len(paragraphs) < 220:
        founder, town, year = person(rng), rng.choice(PLACES).removeprefix("the "), str(rng.randint(1850, 1990))
        company = f"{rng.choice(LAST)} {rng.choice(['Works', 'and Sons', 'Company', 'Brothers', 'Trading'])}"
        product, workers = rng.choice(PRODUCTS), str(rng.choice([12, 40, 85, 150, 320, 600, 1200]))
        successor, river = person(rng), rng.choice(["Sarn", "Tessin", "Mire", "Alder", "Fen", "Karsk"]) + " River"
        facts = [
            (
                f"{company} was founded in {town} in {year} by {founder}.",
                [
                    (f"Who founded {company}?", founder),
                    (f"In which year was {company} founded?", year),
                    (f"Where was {company} founded?", town),
                ],
            ),
            (
                f"At first the company made {product} in a shed beside the {river}.",
                [(f"What did {company} make at first?", product), ("Which river was the first shed beside?", river)],
            ),
            (f"Today it employs {workers} people.", [(f"How many people does {company} employ today?", workers)]),
            (
                f"After {founder.split()[0]} retired, the firm was run by {successor}.",
                [(f"Who ran the firm after {founder.split()[0]} retired?", successor)],
            ),
        ]
        # About a third of the paragraphs are long: filler before the later facts puts their answers deep, beyond
        # the first window of a 128-token model.
        long = rng.random() < 0.35
        sentences: list[tuple[str, list]] = []
        for index, (fact, questions) in enumerate(facts):
            if long and index >= 2:
                sentences += [(sentence, []) for sentence in rng.sample(FILLER, rng.randint(4, 7))]
            elif rng.random() < 0.3:
                sentences.append((rng.choice(FILLER), []))
            sentences.append((fact, questions))
        context, rows = "", []
        for sentence, questions in sentences:
            start = len(context) + (1 if context else 0)
            context = f"{context} {sentence}" if context else sentence
            for question, answer in questions:
                rows.append((question, answer, start + sentence.index(answer)))
        chosen = rng.sample(rows, rng.randint(3, 5))
        paragraphs.append(
            [
                {
                    "id": f"{len(paragraphs):03d}-{n}",
                    "title": company,
                    "context": context,
                    "question": question,
                    "answers": {"text": [answer], "answer_start": [start]},
                }
                for n, (question, answer, start) in enumerate(chosen)
            ]
        )
    splits = split_three(paragraphs, rng, 20, 20)  # by paragraph: no context is in two splits
    return {name: [row for paragraph in rows for row in paragraph] for name, rows in splits.items()}


def main() -> None:
    write_jsonl(SAMPLES / "tags", make_tags(random.Random(SEED)))
    write_csv(SAMPLES / "similarity", make_similarity(random.Random(SEED + 1)))
    write_jsonl(SAMPLES / "entities", make_entities(random.Random(SEED + 2)))
    write_jsonl(SAMPLES / "questions", make_questions(random.Random(SEED + 3)))


if __name__ == "__main__":
    main()
