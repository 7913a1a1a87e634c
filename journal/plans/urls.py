"""URLs of the journal's plans pages (included into the "journal" namespace by journal/urls.py)."""

from django.urls import path

from journal.plans import views as plan_views

urlpatterns = [
    path("plans/", plan_views.plans_index, name="plans"),
    path("plan/template.xlsx", plan_views.plan_template, name="plan_template"),
    path("course/<int:course_pk>/plan/", plan_views.plan_page, name="plan"),
    path("course/<int:course_pk>/plan/import/", plan_views.plan_import, name="plan_import"),
    path("course/<int:course_pk>/plan/clear/", plan_views.plan_clear, name="plan_clear"),
    path("course/<int:course_pk>/plan.xlsx", plan_views.plan_export, name="plan_export"),
]
