from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "bot.services.desk.insight"
    label = "insight"
    verbose_name = "Indsigt"
