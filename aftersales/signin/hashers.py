"""Password hashing: Argon2id at parameters chosen for a shift's sign-in storm.

Django's own Argon2 hasher (time cost 2, 100 MiB, 8 lanes) costs about 250 ms of CPU per
sign-in on our two-core reference machine, so 100 agents starting a shift together wait
over ten seconds. These are OWASP's first recommended Argon2id parameters (Password
Storage Cheat Sheet: 19 MiB, two passes, one lane): about 36 ms of CPU, so the same 100
sign-ins are done in about two seconds, and each guess still costs an attacker 19 MiB of
memory. Settable from the environment (README, "Configuration"); a stored hash made with
other parameters, or with PBKDF2 before, is verified with its own and upgraded at the next
sign-in (Django's ``must_update``).
"""

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher


class Argon2PasswordHasher(DjangoArgon2PasswordHasher):
    # The same algorithm name as Django's: hashes are interchangeable, and Django's own
    # hasher verifies ours (parameters are stored in the hash).
    @property
    def time_cost(self):
        return settings.PASSWORD_ARGON2_TIME_COST

    @property
    def memory_cost(self):
        return settings.PASSWORD_ARGON2_MEMORY_KIB

    @property
    def parallelism(self):
        return settings.PASSWORD_ARGON2_PARALLELISM
