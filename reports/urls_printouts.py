"""Printout URLs (included into the "reports" namespace by reports/urls.py): period printouts and year summary
sheets with their sign-off (reports/printout_views.py), and the public verification page of a paper copy."""

from django.urls import path

from . import printout_views as views

urlpatterns = [
    path("printouts/", views.printouts_page, name="printouts"),
    path("printouts/generate/", views.generate, name="printouts_generate"),
    path("printouts/<int:pk>/", views.printout_page, name="printout"),
    path("printouts/<int:pk>/sign/", views.sign, name="printout_sign"),
    path("printouts/<int:pk>/pdf/", views.printout_pdf, name="printout_pdf"),
    path("printouts/<int:pk>/xlsx/", views.printout_xlsx_view, name="printout_xlsx"),
    path("verify/", views.verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
