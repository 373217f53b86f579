from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "bot.desk.cases"
    label = "cases"
    verbose_name = "Sager"
