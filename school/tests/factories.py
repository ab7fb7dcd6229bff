from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from school.models import Member, OrgUnit, User
from school.roles import Role

PASSWORD = "Dangxiao!2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=[Role(r).value for r in extracted]))
        if create:
            self.save()


def org_unit_create(*, name: str, kind: str = OrgUnit.Kind.BRANCH, parent: OrgUnit | None = None) -> OrgUnit:
    """Treebeard nodes are made with add_root/add_child, not a factory's create()."""
    if parent is None:
        return OrgUnit.add_root(name=name, kind=kind)
    node = parent.add_child(name=name, kind=kind)
    parent.refresh_from_db()
    return node


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    real_name = factory.Sequence(lambda n: f"学员{n}")
    org_unit = None
    political_status = Member.PoliticalStatus.FULL_MEMBER
    phone = factory.Sequence(lambda n: f"139{n:08d}")
