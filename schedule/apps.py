from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    name = "schedule"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.services import people

        from .services.people import enroll_student

        people.register_enrolment(enroll_student)  # a student created with a class is enrolled by it
