"""Django settings for the orders service (startproject's layout)."""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "django-insecure-*thj_&*xjqi3o+gz5k*ok_16zv0mwuf=xbv932_byv7%s6ehog"

DEBUG = False
ALLOWED_HOSTS = ["orders.internal"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "orders",
        "USER": "orders_app",
        "PASSWORD": "2FDEEtfjgVvVqE1SkH",
        "HOST": "db.prod.internal",
        "PORT": "5432",
    }
}

AWS_ACCESS_KEY_ID = "AKIAUJZDEGXDNCF32EPF"
AWS_SECRET_ACCESS_KEY = "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"
AWS_STORAGE_BUCKET_NAME = "orders-media"

STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
