"""Django settings for the desk, all taken from DeskConfig (the environment).
DJANGO_SETTINGS_MODULE=bot.services.desk.django_settings; DEBUG is always off."""

from __future__ import annotations

from datetime import timedelta

from bot.services.desk.config import DeskConfig, django_database

DESK = DeskConfig.from_env()

SECRET_KEY = DESK.secret_key
DEBUG = False
ALLOWED_HOSTS = list(DESK.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "axes",
    "bot.services.desk.cases",
    "bot.services.desk.insight",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "bot.services.desk.cases.middleware.security_headers",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
ROOT_URLCONF = "bot.services.desk.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bot.services.desk.cases.views.desk_context",
            ],
        },
    }
]
ASGI_APPLICATION = "bot.services.desk.asgi.application"
DATABASES = {"default": django_database(DESK.database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "da"
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# Sessions end after DESK_SESSION_MINUTES without a request, and with the browser.
SESSION_COOKIE_AGE = DESK.session_minutes * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = DESK.secure_cookies
CSRF_COOKIE_SECURE = DESK.secure_cookies
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "bot.services.desk.cases.views.csrf_failure"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# django-axes: 5 failed logins for the same username from the same address lock it for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "desk/locked_out.html"
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    # axes logs usernames and addresses of failed logins at warning; that is what they are for.
    "loggers": {"django.request": {"level": "ERROR"}},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Behind HTTPS (DESK_SECURE_COOKIES=1) browsers are also told to use HTTPS only.
SECURE_HSTS_SECONDS = 31536000 if DESK.secure_cookies else 0
