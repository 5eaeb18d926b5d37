"""SMS gateways: a logging one (the default) and an adapter shaped like China's SMS services.

Chinese providers (Aliyun Dysms, Tencent Cloud SMS) send only templates approved in
advance, with parameters, under an approved signature (签名). ``AliyunSmsGateway`` speaks
Aliyun's ``SendSms`` RPC API: a form POST to ``SMS_ENDPOINT`` signed with HMAC-SHA1 over
the sorted, percent-encoded parameters (signature version 1.0), with ``OutId`` = the
notification's uuid so the provider's delivery receipts can be matched and de-duplicated.
``SMS_GATEWAY`` picks one by name.
"""

import base64
import datetime
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid

from django.conf import settings

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """A failed send; ``permanent`` when retrying cannot help."""

    def __init__(self, message, *, permanent=False):
        super().__init__(message)
        self.permanent = permanent


class LoggingSmsGateway:
    """Writes the message to the log instead of sending it (development, demos)."""

    needs_template = False

    def send(self, *, phone, template_id, params, message_id):
        logger.info(
            "SMS to %s: template %s %s (id %s)",
            phone,
            template_id or "-",
            json.dumps(params, ensure_ascii=False, sort_keys=True),
            message_id,
        )
        return ""


def percent_encode(value):
    """Aliyun's POP encoding: RFC 3986 unreserved characters kept, everything else %XX."""
    return urllib.parse.quote(str(value), safe="~")


def aliyun_signature(params, secret, method="POST"):
    """The ``Signature`` of an Aliyun RPC request (signature version 1.0, HMAC-SHA1)."""
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items())
    )
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


# Codes after which trying again cannot succeed (the rest — rate limits, outages — retry).
ALIYUN_PERMANENT = {
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.INVALID_PARAMETERS",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.PARAM_LENGTH_LIMIT",
    "InvalidAccessKeyId.NotFound",
    "SignatureDoesNotMatch",
}


class AliyunSmsGateway:
    """Aliyun Dysms ``SendSms`` (API version 2017-05-25) to ``SMS_ENDPOINT``."""

    needs_template = True

    def request_params(self, *, phone, template_id, params, message_id, now=None):
        now = now or datetime.datetime.now(datetime.UTC)
        query = {
            "AccessKeyId": settings.SMS_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": settings.SMS_REGION,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "PhoneNumbers": phone,
            "SignName": settings.SMS_SIGN_NAME,
            "TemplateCode": template_id,
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
            "OutId": message_id,
        }
        query["Signature"] = aliyun_signature(query, settings.SMS_ACCESS_KEY_SECRET)
        return query

    def send(self, *, phone, template_id, params, message_id):
        """POST one message; returns the provider's ``BizId``, raises ``SmsError``."""
        body = urllib.parse.urlencode(
            self.request_params(
                phone=phone, template_id=template_id, params=params, message_id=message_id
            )
        ).encode()
        request = urllib.request.Request(
            settings.SMS_ENDPOINT,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            # bandit B310: the URL is SMS_ENDPOINT, the operator's setting (https by default),
            # never user input.
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT_SECONDS) as r:  # nosec B310
                raw = r.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read() or b""
            code = _code(raw)
            message = f"HTTP {exc.code} {code}".strip()
            raise SmsError(message, permanent=code in ALIYUN_PERMANENT) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise SmsError(str(getattr(exc, "reason", exc))[:200]) from exc
        try:
            answer = json.loads(raw or b"{}")
        except ValueError as exc:
            raise SmsError("the gateway's answer is not JSON") from exc
        code = answer.get("Code")
        if code != "OK":
            message = f"{code}: {answer.get('Message', '')}"[:200]
            raise SmsError(message, permanent=code in ALIYUN_PERMANENT)
        return str(answer.get("BizId", ""))


def _code(raw):
    try:
        return str(json.loads(raw).get("Code", ""))
    except (ValueError, AttributeError):
        return ""


GATEWAYS = {"logging": LoggingSmsGateway, "aliyun": AliyunSmsGateway}


def sms_gateway():
    """The gateway named by ``SMS_GATEWAY``."""
    try:
        return GATEWAYS[settings.SMS_GATEWAY]()
    except KeyError:
        raise ValueError(
            f"SMS_GATEWAY={settings.SMS_GATEWAY!r}; choose among {sorted(GATEWAYS)}"
        ) from None
