"""``manage.py generate_data``: a large synthetic data set for benchmarks (bench/datagen.py).

Refuses to run unless the configured database is PostgreSQL and its name contains
"bench", so it can never truncate real data.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench.datagen import Generator, Scale


class Command(BaseCommand):
    help = "TRUNCATE and fill a *bench* PostgreSQL database with synthetic data (COPY)."

    def add_arguments(self, parser):
        defaults = Scale()
        parser.add_argument("--tickets", type=int, default=defaults.tickets)
        parser.add_argument(
            "--customers",
            type=int,
            default=None,
            help="default: tickets / 5 (one registered product each)",
        )
        parser.add_argument("--technicians", type=int, default=defaults.technicians)
        parser.add_argument("--areas", type=int, default=defaults.areas)
        parser.add_argument("--product-models", type=int, default=defaults.product_models)
        parser.add_argument("--agents", type=int, default=defaults.agents)
        parser.add_argument(
            "--audit-events-per-ticket",
            type=int,
            default=defaults.audit_events_per_ticket,
            help="audit rows per ticket, one per transition, up to 8",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=defaults.days,
            help="tickets are spread over this many days up to now",
        )
        parser.add_argument("--seed", type=int, default=defaults.seed)

    def handle(self, *args, **options):
        name = connection.settings_dict["NAME"]
        if connection.vendor != "postgresql" or "bench" not in name:
            raise CommandError(
                f"Refusing to truncate database {name!r}: generate_data needs a PostgreSQL "
                "database whose name contains 'bench' (set DATABASE_URL, see bench/README.md)."
            )
        if options["tickets"] < 1:
            raise CommandError("--tickets must be at least 1.")
        scale = Scale(
            tickets=options["tickets"],
            customers=options["customers"],
            technicians=options["technicians"],
            areas=options["areas"],
            product_models=options["product_models"],
            agents=options["agents"],
            audit_events_per_ticket=options["audit_events_per_ticket"],
            days=options["days"],
            seed=options["seed"],
        )
        self.stdout.write(f"Generating into {name} (seed {scale.seed}):")
        report = Generator(scale, log=self.stdout.write).run()
        rows, seconds = report["total"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)."
            )
        )
