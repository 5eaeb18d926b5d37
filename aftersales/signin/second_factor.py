"""The second factor: TOTP devices (an authenticator app) and single-use backup codes.

Who is asked: ``aftersales.roles.second_factor_required`` (staff, superusers, supervisors)
always; anyone else once they have enrolled a device. A session is "verified" when
django-otp's ``OTPMiddleware`` finds the device that confirmed it in the session.
"""

import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aftersales.roles import second_factor_required
from audits.services import audit_record

# Set at the password step for a user who has enrolled although not required to, so the
# middleware need not look their devices up on every request.
PENDING_SESSION_KEY = "signin_second_factor_pending"
BACKUP_CODES = 10
DEVICE_NAME = "authenticator"


def has_device(user):
    return any(True for _ in devices_for_user(user, confirmed=True))


def note_pending_after_password(sender, request, user, **kwargs):
    """``user_logged_in``: remember that this session still owes its second factor."""
    if not second_factor_required(user) and has_device(user):
        request.session[PENDING_SESSION_KEY] = True


def second_factor_pending(request):
    """Whether the signed-in user must still confirm this session with a code."""
    user = request.user
    if not user.is_authenticated:
        return False
    is_verified = getattr(user, "is_verified", None)  # installed by django-otp's middleware
    if is_verified is not None and is_verified():
        return False
    return second_factor_required(user) or bool(request.session.get(PENDING_SESSION_KEY))


def second_factor_verify(*, user, code, request=None):
    """The confirmed device of ``user`` that accepts ``code`` (a TOTP code or an unused
    backup code, which is then spent), or ``None``.

    Each device throttles itself (django-otp: after each failure the next try waits twice
    as long), and a failure is reported as a failed sign-in (``user_login_failed``): it is
    audited and counts toward the account's and the address's lockout.
    """
    code = "".join(str(code or "").split())
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_is_allowed()[0] and device.verify_token(code):
                return device
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.get_username(), "second_factor": True},
        request=request,
    )
    return None


def totp_device_for_enrolment(user):
    """The user's unconfirmed TOTP device, created on first use (its key is shown until the
    user proves they copied it by entering a code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def qr_data_url(device):
    """The device's ``otpauth://`` URL as an inline SVG QR code (no external service)."""
    out = io.BytesIO()
    qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def base32_key(device):
    """The key as an authenticator app takes it when typed in, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def second_factor_enrol(*, device, code, actor):
    """Confirm ``device`` with a first ``code`` and issue fresh backup codes.

    Returns the backup codes (shown once, stored by django-otp) or ``None`` when the code
    is wrong. Writes an ``auth.second_factor_enrolled`` audit event (no key, no codes).
    """
    if not device.verify_token("".join(str(code or "").split())):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    static, _created = StaticDevice.objects.get_or_create(
        user=device.user, name="backup", defaults={"confirmed": True}
    )
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    audit_record(
        actor=actor,
        action="auth.second_factor_enrolled",
        obj=device.user,
        changes={"device": "totp", "backup_codes": BACKUP_CODES},
    )
    return codes
