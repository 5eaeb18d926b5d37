"""Sign-in hardening (README, "Sign-in and sessions"): lockouts after repeated failures
(django-axes), the second factor for supervisors and admins (django-otp's TOTP devices
with backup codes), and the pages that enrol and verify it."""
