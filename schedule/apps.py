from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    name = "schedule"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # accounts sits below schedule and does not import it: what its people and invite rules need to
        # know of classes, schedule tells it here.
        from accounts import rules
        from accounts.models import Role
        from accounts.services import people

        from .selectors_people import led_class_students
        from .services.people import class_teacher_refusal, enrolled_student_refusal

        people.register_removal_check(Role.STUDENT, enrolled_student_refusal)
        people.register_removal_check(Role.TEACHER, class_teacher_refusal)
        rules.register_led_class_students(led_class_students)
