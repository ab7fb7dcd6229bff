"""满意度评价: one rating per member and completed course."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class CourseRating(models.Model):
    member = models.ForeignKey(
        "school.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="course_ratings"
    )
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.CASCADE, related_name="ratings"
    )
    score = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("course rating")
        verbose_name_plural = _("course ratings")
        constraints = [
            models.UniqueConstraint(fields=["member", "course"], name="one_rating_per_course"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="rating_from_one_to_five"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.course} · {self.score}"
