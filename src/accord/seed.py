"""Demo data for ``make run``: loaded once, reproducible, with log-ins printed at the end."""

from __future__ import annotations

import importlib
import random
from datetime import timedelta

from django.db import transaction
from rich.console import Console
from rich.progress import Progress

from accord.accounts import services as accounts
from accord.accounts.models import Organization, User
from accord.campaigns.models import Campaign
from accord.core import clock

DEMO_PASSWORD = "accord-demo-2026"
OPERATOR_EMAIL = "operator@accord.localhost"
BRANDS = [
    ("Noordzee Outdoor", "NL", ["outdoor", "travel", "sports"], []),
    ("Lumen Skincare", "DE", ["beauty", "wellness", "fashion"], []),
    ("Brouwerij Kade", "BE", ["food", "lifestyle"], ["alcohol"]),
    ("Pixelforge Games", "FR", ["gaming", "tech"], []),
]
console = Console(stderr=True)


def _brand(name: str, country: str) -> Organization:
    slug = name.lower().replace(" ", ".")
    _user, org = accounts.sign_up(
        email=f"{slug}@brand.localhost",
        password=DEMO_PASSWORD,
        name=f"{name} team",
        organization_name=name,
        kind=Organization.Kind.BRAND,
        country=country,
    )
    return org


def _campaigns(org: Organization, interests: list[str], categories: list[str], rng: random.Random) -> None:
    today = clock.today()
    for i, (status, title) in enumerate(
        [
            (Campaign.Status.OPEN, "Spring launch"),
            (Campaign.Status.DRAFT, "Summer"),
            (Campaign.Status.ACTIVE, "Always-on ambassadors"),
        ]
    ):
        Campaign.objects.create(
            brand=org,
            name=f"{org.name} — {title}",
            status=status,
            currency="EUR",
            budget=rng.choice([250_000, 500_000, 1_000_000, 2_500_000]),
            goals="Reach new customers and drive first purchases.",
            key_messages=f"{org.name} makes {', '.join(interests)} better.",
            description=f"{title} campaign about {' and '.join(interests)} for a young European audience.",
            dos="Show the product in real use; be honest.",
            donts="No comparison with competitors.",
            platforms=["instagram", "tiktok", "youtube"][: 1 + i],
            deliverables_wanted=[{"platform": "instagram", "content_type": "reel", "count": 1}],
            starts_on=today + timedelta(days=7 * i),
            ends_on=today + timedelta(days=60 + 7 * i),
            target={
                "age_bands": ["18-24", "25-34"],
                "countries": [org.country, "NL"],
                "interests": interests,
                "genders": [],
                "languages": [],
            },
            brand_categories=categories,
            open_for_applications=status == Campaign.Status.OPEN,
        )


def already_seeded() -> bool:
    return User.objects.filter(email=OPERATOR_EMAIL).exists()


def run(*, creators: int = 300, force: bool = False, seed: int = 2026) -> None:
    if already_seeded() and not force:
        console.print("demo data already present")
        print_logins()
        return
    rng = random.Random(seed)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("seeding brands", total=len(BRANDS) + 1)
        with transaction.atomic():
            accounts.create_operator(email=OPERATOR_EMAIL, password=DEMO_PASSWORD, name="Olga Operator")
            progress.advance(task)
            for name, country, interests, categories in BRANDS:
                _campaigns(_brand(name, country), interests, categories, rng)
                progress.advance(task)
        try:
            generator = importlib.import_module("accord.creators.generator")
        except ModuleNotFoundError:
            generator = None
        if generator is not None and creators:
            ctask = progress.add_task("seeding creators", total=creators)
            generator.seed_demo_creators(creators, seed=seed, progress=lambda n: progress.update(ctask, completed=n))
    print_logins()


def print_logins() -> None:
    console.print("[bold]Demo log-ins[/bold] (password for all: " + DEMO_PASSWORD + ")")
    console.print(f"  operator: {OPERATOR_EMAIL}")
    for name, *_ in BRANDS:
        console.print(f"  brand:    {name.lower().replace(' ', '.')}@brand.localhost")
    creator = User.objects.filter(email__endswith="@creator.localhost").order_by("id").first()
    if creator is not None:
        console.print(f"  creator:  {creator.email}")
