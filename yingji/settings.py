"""Settings for Yingji, read from environment variables with safe defaults.

`YINGJI_ENV=dev` (the default) runs on an embedded SQLite file with debug on;
`YINGJI_ENV=prod` turns on strict security and refuses the development secret.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("YINGJI_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


YINGJI_ENV = os.environ.get("YINGJI_ENV", "dev").strip().lower()
if YINGJI_ENV not in {"dev", "prod"}:
    raise ImproperlyConfigured("YINGJI_ENV must be 'dev' or 'prod'")
IS_PROD = YINGJI_ENV == "prod"
TESTING = "pytest" in sys.modules or os.environ.get("YINGJI_TESTING") == "1"

DEV_SECRET_KEY = "yingji-dev-only-secret-key-never-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
if IS_PROD and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 40):
    raise ImproperlyConfigured(
        "生产环境必须设置 SECRET_KEY 环境变量（至少 40 个字符，且不能是开发默认值）。"
        " Production needs a SECRET_KEY of at least 40 characters that is not the dev key."
    )

DEBUG = env_bool("DEBUG", not IS_PROD)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if IS_PROD else ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Key for the protected fields (ID numbers). Separate from SECRET_KEY so that rotating
# the session secret never makes stored ID numbers unreadable.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
if IS_PROD and not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured("生产环境必须设置 FIELD_ENCRYPTION_KEY（用于加密身份证号等敏感字段）。")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "ninja",
    # Yingji domain apps
    "yingji.apps.YingjiConfig",
    "audit",
    "accounts",
    "jurisdictions",
    "people",
    "jobs",
    "places",
    "risk",
    "letters",
    "staffing",
    "notifications",
    "duty",
    "earlywarning",
    "teams",
    "supplies",
    "shelters",
    "plans",
    "checklists",
    "hazardrules",
    "hazards",
    "inspectionplans",
    "inspections",
    "publicreports",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yingji.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yingji.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Must come after authentication: it fixes the jurisdiction scope for the request.
    "yingji.middleware.JurisdictionScopeMiddleware",
]

ROOT_URLCONF = "yingji.urls"
WSGI_APPLICATION = "yingji.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "yingji.context_processors.platform",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_SQLITE_PATH = VAR_DIR / "yingji.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file (not memory) so that browser tests can run the real server against it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(VAR_DIR / f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.ScopeSafeModelBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing cost is irrelevant to what the tests prove and dominates their run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes): lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False

API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", str(24 * 30)))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "yingji" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Security headers and cookies -------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", IS_PROD)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(31536000 if IS_PROD else 0)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = IS_PROD
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Map: our own boundaries are the base layer; an online tile layer is optional.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")


def _tile_origin(url: str) -> list[str]:
    if not url.startswith(("http://", "https://")):
        return []
    scheme, rest = url.split("://", 1)
    host = rest.split("/", 1)[0]
    if "{s}" in host:
        host = host.replace("{s}", "*")
    return [f"{scheme}://{host}"]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *_tile_origin(MAP_TILE_URL)],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- API -------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# --- Worker ----------------------------------------------------------------------------
WORKER_TICK_SECONDS = float(os.environ.get("WORKER_TICK_SECONDS", "2"))
WORKER_JOB_LEASE_SECONDS = int(os.environ.get("WORKER_JOB_LEASE_SECONDS", "300"))

# --- Notification transports (docs/transports.md) ------------------------------------------
# Every channel sends through the console/outbox transport unless configured here; credentials
# come only from the environment (robots, webhooks and broadcast endpoints keep theirs on the
# endpoint rows in the admin).
NOTIFICATION_HTTP = {
    "connect_timeout": float(os.environ.get("YINGJI_NOTIFY_CONNECT_TIMEOUT", "5")),
    "read_timeout": float(os.environ.get("YINGJI_NOTIFY_READ_TIMEOUT", "10")),
    "proxy": os.environ.get("YINGJI_NOTIFY_PROXY", ""),
}
NOTIFICATION_TRANSPORTS: dict[str, dict[str, object]] = {}

_SMS_BACKEND = os.environ.get("YINGJI_SMS_BACKEND", "console").strip().lower()
if _SMS_BACKEND == "aliyun":
    NOTIFICATION_TRANSPORTS["sms"] = {
        "backend": "notifications.transports.sms.AliyunSmsTransport",
        "access_key_id": os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", ""),
        "access_key_secret": os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", ""),
        "sign_name": os.environ.get("ALIYUN_SMS_SIGN_NAME", ""),
        "template_code": os.environ.get("ALIYUN_SMS_TEMPLATE_CODE", ""),
    }
elif _SMS_BACKEND == "tencent":
    NOTIFICATION_TRANSPORTS["sms"] = {
        "backend": "notifications.transports.sms.TencentSmsTransport",
        "secret_id": os.environ.get("TENCENTCLOUD_SECRET_ID", ""),
        "secret_key": os.environ.get("TENCENTCLOUD_SECRET_KEY", ""),
        "sdk_app_id": os.environ.get("TENCENT_SMS_SDK_APP_ID", ""),
        "sign_name": os.environ.get("TENCENT_SMS_SIGN_NAME", ""),
        "template_id": os.environ.get("TENCENT_SMS_TEMPLATE_ID", ""),
        "region": os.environ.get("TENCENT_SMS_REGION", "ap-guangzhou"),
    }
elif _SMS_BACKEND != "console":
    raise ImproperlyConfigured("YINGJI_SMS_BACKEND must be console, aliyun or tencent")

_VOICE_BACKEND = os.environ.get("YINGJI_VOICE_BACKEND", "console").strip().lower()
if _VOICE_BACKEND == "http":
    NOTIFICATION_TRANSPORTS["voice"] = {
        "backend": "notifications.transports.voice.GenericHttpVoiceTransport",
        "url": os.environ.get("YINGJI_VOICE_GATEWAY_URL", ""),
        "secret": os.environ.get("YINGJI_VOICE_GATEWAY_SECRET", ""),
        "callback_url": os.environ.get("YINGJI_VOICE_CALLBACK_URL", ""),
        "caller_id": os.environ.get("YINGJI_VOICE_CALLER_ID", ""),
    }
elif _VOICE_BACKEND == "aliyun":
    NOTIFICATION_TRANSPORTS["voice"] = {
        "backend": "notifications.transports.voice.AliyunTtsCallTransport",
        "access_key_id": os.environ.get("ALIYUN_VOICE_ACCESS_KEY_ID", ""),
        "access_key_secret": os.environ.get("ALIYUN_VOICE_ACCESS_KEY_SECRET", ""),
        "called_show_number": os.environ.get("ALIYUN_VOICE_SHOW_NUMBER", ""),
        "tts_code": os.environ.get("ALIYUN_VOICE_TTS_CODE", ""),
    }
elif _VOICE_BACKEND != "console":
    raise ImproperlyConfigured("YINGJI_VOICE_BACKEND must be console, http or aliyun")

# Channels whose address and secret live on each endpoint row (or in EMAIL_* for e-mail):
# listing them here makes them send for real instead of to the console outbox.
_LIVE_BACKENDS = {
    "dingtalk": "notifications.transports.dingtalk.DingTalkRobotTransport",
    "wecom": "notifications.transports.wecom.WeComRobotTransport",
    "webhook": "notifications.transports.webhook.WebhookTransport",
    "broadcast": "notifications.transports.broadcast.BroadcastTransport",
    "email": "notifications.transports.mail.EmailTransport",
}
for _channel in filter(None, (c.strip() for c in os.environ.get("YINGJI_LIVE_CHANNELS", "").split(","))):
    if _channel not in _LIVE_BACKENDS:
        raise ImproperlyConfigured(f"YINGJI_LIVE_CHANNELS: unknown channel {_channel!r}")
    NOTIFICATION_TRANSPORTS[_channel] = {"backend": _LIVE_BACKENDS[_channel]}

EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "yingji@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

VERBOSE_TITLE = _("应急消防治理平台")
