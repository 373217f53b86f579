from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "bot.services.desk.cases"
    label = "cases"
    verbose_name = "Sager"
