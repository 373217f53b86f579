from django.contrib.auth import views as auth_views
from django.urls import path

from bot.services.desk.cases import knowledge, views
from bot.services.desk.insight import views as insight

urlpatterns = [
    path("health", views.health, name="health"),
    path("static/<str:name>", views.static_file, name="static"),
    path("static/insight/<str:name>", insight.script, name="insight_script"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="desk/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.queue, name="queue"),
    path("bookings/", views.bookings, name="bookings"),
    path("bookings/<str:code>/open", views.open_booking, name="open_booking"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/poll", views.case_poll, name="case_poll"),
    path("cases/<int:case_id>/take", views.take, name="take"),
    path("cases/<int:case_id>/reply", views.reply, name="reply"),
    path("cases/<int:case_id>/handback", views.handback, name="handback"),
    path("cases/<int:case_id>/note", views.add_note, name="note"),
    path("cases/<int:case_id>/close", views.close, name="close"),
    path("cases/<int:case_id>/delete", views.delete, name="delete"),
    path("knowledge/", knowledge.knowledge, name="knowledge"),
    path("audit/", views.audit_log, name="audit"),
    path("insight/", insight.dashboard, name="insight"),
    path("insight/<slug:slug>.csv", insight.table_csv, name="insight_csv"),
]
