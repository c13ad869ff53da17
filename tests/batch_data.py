"""Client lists for the batch tests: varied, repetitive like real lists, with Chinese spellings."""

from __future__ import annotations

import csv
import random
from pathlib import Path

FIELDS = ["name", "size", "employees", "startup", "sector", "use_cases", "privacy", "budget", "public_facing",
          "modalities", "personal_info", "cross_border", "customization", "ml_team", "has_gpu_infrastructure",
          "on_device", "critical_infrastructure", "serves_businesses", "publishes_generated_content", "minors",
          "pi_individuals", "eu_market", "users", "monthly_tokens"]


def yes_no_fields() -> list[str]:
    """The profile's yes/no fields, in the vocabulary's order."""
    from advisor.vocabulary import vocabulary

    return [name for name, spec in vocabulary().fields.items() if spec.type == "bool"]


def labels(enum: str, lang: str = "zh") -> list[str]:
    """The labels of an enum's values in ``lang`` (Chinese by default), as a client list writes them."""
    from advisor.vocabulary import vocabulary

    return [names[lang] for names in vocabulary().enums[enum].values()]


def random_row(rng: random.Random, n: int) -> dict[str, str]:
    """A valid row: sometimes a common profile, sometimes every field random."""
    if rng.random() < 0.5:  # the common rows of a client list: few fields, defaults
        row = {"sector": rng.choice(["金融", "finance", "电商", "医疗"]), "size": rng.choice(["中型", "large", "小型"]),
               "privacy": rng.choice(["高", "low"]), "budget": rng.choice(["中", "800万"])}
    else:
        row = {"sector": rng.choice(labels("sector")), "privacy": rng.choice(labels("level")),
               "use_cases": ";".join(rng.sample(labels("use_case"), rng.randint(0, 3))),
               "modalities": "|".join(rng.sample(labels("modality"), rng.randint(1, 2))),
               "personal_info": rng.choice(labels("personal_info")),
               "customization": rng.choice(labels("customization")), "ml_team": rng.choice(labels("ml_team"))}
        if rng.random() < 0.5:
            row["size"] = rng.choice(labels("size"))
        else:
            row["employees"] = str(rng.choice([15, 150, 350, 2000, 12000]))
        row["budget"] = rng.choice(labels("level") + ["30万", "1200万", "2亿"])
        for field in yes_no_fields():
            row[field] = rng.choice(["是", "否", ""])
        # counts with their edges (a PI protection officer from 100万 people) and Chinese units
        row["pi_individuals"] = rng.choice(["", "", "5000", "999999", "100万", "1000万", "1000.0001万", "2亿"])
        row["users"] = rng.choice(["", "300", "2万"])
        row["monthly_tokens"] = rng.choice(["", "5000万", "3亿"])
    row["name"] = f"客户{n:05d}"
    return row


BAD_ROWS = {
    # record number -> (row, field named in the message)
    3: ({"name": "坏行一", "sector": "火星", "size": "small", "privacy": "low", "budget": "low"}, "sector"),
    7: ({"name": "坏行二", "sector": "finance", "privacy": "low", "budget": "low"}, "size"),
    11: ({"name": "坏行三", "sector": "finance", "employees": "很多", "privacy": "low", "budget": "low"}, "employees"),
    12: ({"name": "", "sector": "finance", "size": "small", "privacy": "low", "budget": "low"}, "name"),
}


def client_rows(count: int, seed: int = 1, bad: bool = False) -> list[dict[str, str]]:
    """``count`` rows; with ``bad``, the rows of ``BAD_ROWS`` at their record numbers."""
    rng = random.Random(seed)
    rows = [random_row(rng, n) for n in range(1, count + 1)]
    if bad:
        for number, (row, _) in BAD_ROWS.items():
            if number <= count:
                rows[number - 1] = row
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8", chinese_headers: bool = True) -> Path:
    """Write ``rows`` as a CSV file, headers in Chinese (contract §1) or as field names."""
    from advisor.vocabulary import vocabulary

    fields = vocabulary().fields
    with open(path, "w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow([fields[f].zh if chinese_headers else f for f in FIELDS])
        for row in rows:
            writer.writerow([row.get(f, "") for f in FIELDS])
    return path
