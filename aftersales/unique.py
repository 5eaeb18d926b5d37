"""A unique value taken between a service's check and its insert is a 400, not a 500.

Services check a unique value first (``…filter(code=code).exists()``) and answer a clear
field error; a concurrent writer can still take the value between that check and the
insert, and the database's constraint then raises ``IntegrityError`` — a 500, and a broken
transaction. ``unique_or_invalid`` runs the insert in a savepoint and turns that into the
same field error the check gives.
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


@contextmanager
def unique_or_invalid(field, message):
    """Inside: the writes a unique constraint on ``field`` guards. A violation raises
    ``ValidationError({field: [message]})`` with the savepoint rolled back, so the
    caller's transaction stays usable."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise ValidationError({field: [message]}) from exc
