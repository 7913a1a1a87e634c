"""Schools, logins, people and their roles, invite codes, consent and the audit trail.

A `User` is only a login. A `Person` is a school's record of a human being and
exists before any login (DESIGN.md §2); an invite code links the two. One login
may be linked to people in several schools and acts within one at a time.
"""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class School(models.Model):
    name = models.CharField(_("full name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100)
    slug = models.SlugField(_("code"), max_length=50, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")
    address = models.CharField(_("address"), max_length=300, blank=True)
    require_staff_2fa = models.BooleanField(_("two-factor sign-in is mandatory for staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["short_name"]

    def __str__(self):
        return self.short_name


class User(AbstractUser):
    """A login. Names for display come from the linked Person of the current school."""

    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    failed_login_count = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    must_change_password = models.BooleanField(default=False)
    # A temporary password from a school's reset slip signs in until then; any new password clears it.
    temporary_password_until = models.DateTimeField(null=True, blank=True)
    # Set when the login is reported compromised (staff): it sets up a second factor again at its next
    # sign-in even where the school does not make two-factor mandatory; cleared when one is confirmed.
    must_set_up_second_factor = models.BooleanField(default=False)
    last_school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Raised to end every other session of the login (a second factor changed, ...): it is mixed
    # into the session's auth hash, which Django checks on every request with no extra query.
    session_generation = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("login")
        verbose_name_plural = _("logins")
        constraints = [models.UniqueConstraint(Lower("username"), name="user_username_ci_unique")]

    def _get_session_auth_hash(self, secret=None):
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)  # sessions from before the field stay valid
        return salted_hmac(
            "accounts.User.session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.temporary_password_until = None

    def is_locked(self, now=None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))

    def __str__(self):
        return self.username


class Person(models.Model):
    """A school's record of a person: names in Russian order, contacts."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="people")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    last_name = models.CharField(_("surname"), max_length=150)
    first_name = models.CharField(_("name"), max_length=150)
    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name", "patronymic", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "user"],
                condition=Q(user__isnull=False),
                name="person_one_per_user_per_school",
            )
        ]
        indexes = [models.Index(fields=["school", "last_name", "first_name"])]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        """«Иванов Иван Иванович»: surname, name, patronymic."""
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    @property
    def short_name(self) -> str:
        """«Иванов И. И.»: the form used in journals and timetables."""
        initials = " ".join(f"{p[0]}." for p in (self.first_name, self.patronymic) if p)
        return f"{self.last_name} {initials}".strip()


class Role(models.TextChoices):
    ADMIN = "admin", _("school admin")
    DIRECTOR = "director", _("director")
    DEPUTY = "deputy", _("deputy director")
    TEACHER = "teacher", _("teacher")
    STUDENT = "student", _("student")
    PARENT = "parent", _("parent")


STAFF_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.DEPUTY, Role.TEACHER})


class StaffRole(models.Model):
    """A staff role of a person in their school; a person may hold several."""

    STAFF_CHOICES = [(r.value, r.label) for r in Role if r in STAFF_ROLES]

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("role"), max_length=20, choices=STAFF_CHOICES)
    position = models.CharField(_("position"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [models.UniqueConstraint(fields=["person", "role"], name="staffrole_unique")]
        indexes = [models.Index(fields=["school", "role"])]

    def __str__(self):
        return f"{self.person} — {self.get_role_display()}"


class Student(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="student")

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["person__last_name", "person__first_name"]

    def __str__(self):
        return str(self.person)


class Parent(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="parent")

    class Meta:
        verbose_name = _("parent")
        verbose_name_plural = _("parents")

    def __str__(self):
        return str(self.person)


class ParentLink(models.Model):
    class Relation(models.TextChoices):
        MOTHER = "mother", _("mother")
        FATHER = "father", _("father")
        GUARDIAN = "guardian", _("legal guardian")
        OTHER = "other", _("other relative")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(Parent, on_delete=models.CASCADE, related_name="links")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="parent_links")
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)

    class Meta:
        verbose_name = _("parent link")
        verbose_name_plural = _("parent links")
        constraints = [models.UniqueConstraint(fields=["parent", "student"], name="parentlink_unique")]

    def __str__(self):
        return f"{self.parent} → {self.student} ({self.get_relation_display()})"


def hash_code(code: str) -> str:
    """Codes are stored as SHA-256 of their normalised form; the plain code exists only on the slip."""
    normal = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(normal.encode()).hexdigest()


# No 0/O, 1/I/L: codes are typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


class InviteCode(models.Model):
    """A single-use, expiring code that lets one person create their login (R-ACC-1)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="invite_codes")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="issued_invites"
    )

    class Meta:
        verbose_name = _("invite code")
        verbose_name_plural = _("invite codes")
        indexes = [models.Index(fields=["school", "person"])]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()})"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.revoked_at is None and self.expires_at > now


class Consent(models.Model):
    """Consent to personal-data processing (R-ACC-8), recorded per person."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    document = models.CharField(_("document"), max_length=300)
    signed_on = models.DateField(_("signed on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-signed_on"]

    def __str__(self):
        return f"{self.person}: {self.document}"


class AuditEvent(models.Model):
    """Who did what, when and from where: services write here in their own transaction.

    Also holds logins, failed logins and permission refusals (R-ACC-9).
    Append-only: a trigger in the migration refuses UPDATE and DELETE.
    """

    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["school", "-at"]), models.Index(fields=["actor", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.summary}"


# Parents' notifications (R-D-4): preferences, the outbox and the daily-summary queue (accounts/notify/).


class Delivery(models.TextChoices):
    OFF = "off", _("do not send")
    NOW = "now", _("immediately")
    DAILY = "daily", _("once a day, in a summary")


class NotificationPreference(models.Model):
    """What a parent wants to hear about, and how soon; no row means the defaults below."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    parent = models.OneToOneField(Parent, on_delete=models.CASCADE, related_name="notification_preference")
    marks = models.CharField(_("new marks"), max_length=5, choices=Delivery.choices, default=Delivery.DAILY)
    attendance = models.CharField(
        _("absences and lateness"), max_length=5, choices=Delivery.choices, default=Delivery.NOW
    )
    remarks = models.CharField(
        _("remarks and praise"), max_length=5, choices=Delivery.choices, default=Delivery.NOW
    )
    weekly = models.BooleanField(_("weekly digest"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return str(self.parent)


class OutboxMessage(models.Model):
    """One message to send through one channel, written in the transaction of the change it reports.

    Workers claim a row (pending → sending) with a single conditional UPDATE, so it is sent once
    whoever tries; a claim older than the lease (a worker died mid-send) may be taken again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20, default="email")
    address = models.CharField(max_length=254)
    kind = models.CharField(max_length=20)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    dedupe_key = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        constraints = [
            models.UniqueConstraint(fields=["channel", "dedupe_key"], name="outbox_dedupe_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed"]), name="outbox_status_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="outbox_due",
            ),
            models.Index(fields=["school", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.channel} → {self.address}: {self.subject}"


class DigestItem(models.Model):
    """A journal event waiting for the parent's daily summary; `message` is set once it is in one."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(Parent, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    variant = models.CharField(max_length=20, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    happened_on = models.DateField()
    dedupe_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    message = models.ForeignKey(
        OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )

    class Meta:
        verbose_name = _("daily summary item")
        verbose_name_plural = _("daily summary items")
        constraints = [
            models.UniqueConstraint(fields=["parent", "dedupe_key"], name="digestitem_dedupe_unique")
        ]
        indexes = [
            models.Index(
                fields=["school", "created_at"], condition=Q(message__isnull=True), name="digestitem_waiting"
            )
        ]

    def __str__(self):
        return f"{self.parent}: {self.kind} {self.summary}"


class UserSession(models.Model):
    """One signed-in session of a login, for the "Мои входы" page (accounts/sessions.py).

    The session store (cached_db) holds the session itself; this row holds what the owner is shown
    and the key needed to end the session from another device. The key is as secret as in
    django_session: pages and URLs name the row by its id only.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=64, unique=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        indexes = [models.Index(fields=["user", "-last_seen_at"])]

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class PendingJob(models.Model):
    """A Celery job that must survive a broker outage and has no row of its own to be sent again from
    (a password-reset letter): written in the request's transaction, published after the commit, marked
    done by its task, published again by the beat while pending (accounts/jobs.py)."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], condition=Q(done_at__isnull=True), name="pendingjob_waiting")
        ]

    def __str__(self):
        return f"{self.task} #{self.pk}"


class JobRun(models.Model):
    """One run of a periodic job (a task `CELERY_BEAT_SCHEDULE` names), written from Celery's signals
    (accounts/jobruns.py) for the jobs page; forgotten after `jobruns.KEEP`. Deployment-wide, so no school:
    `text` (a result or an error, short, never a traceback) may name any school's data."""

    class Outcome(models.TextChoices):
        RUNNING = "running", pgettext_lazy("job", "running")
        OK = "ok", pgettext_lazy("job", "done")
        FAILED = "failed", pgettext_lazy("job", "failed")
        RETRIED = "retried", pgettext_lazy("job", "to be retried")

    task = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.RUNNING)
    text = models.CharField(max_length=500, blank=True)
    hostname = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["task", "-started_at"], name="jobrun_last"),
            models.Index(fields=["started_at"], name="jobrun_started"),
            # Failures and unfinished runs are few: the page counts them and reads the last one per job.
            models.Index(fields=["task", "-started_at"], condition=~Q(outcome="ok"), name="jobrun_not_ok"),
        ]

    def __str__(self):
        return f"{self.task} {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"

    @property
    def duration(self):
        return None if self.finished_at is None else self.finished_at - self.started_at


class DailyActivity(models.Model):
    """A person's use of the portal on one day of their school's calendar (R-R-4): one row per login per school
    per day, never a row per request (accounts/activity.py writes it at sign-in and at the first request of a
    day). The monthly activity report (reports/monthly.py) counts days active and who came in at all from it."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # in the school's time zone
    roles = ArrayField(models.CharField(max_length=20), default=list)  # the person's roles that day
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()  # of the last sign-in or new session that day, not of the last request
    sign_ins = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "day"], name="dailyactivity_once_a_day")]
        indexes = [models.Index(fields=["school", "day"], name="dailyactivity_school_day")]

    def __str__(self):
        return f"{self.person_id} {self.day}"
