from django.urls import path

from .views import sessions

urlpatterns = [
    path("sessions/", sessions.session_list, name="sessions"),
    path("sessions/<int:pk>/end/", sessions.session_end, name="session_end"),
    path("sessions/end-others/", sessions.sessions_end_others, name="sessions_end_others"),
    path("session/sign-in/", sessions.sign_in, name="session_sign_in"),
    path("session/stay/", sessions.session_stay, name="session_stay"),
]
