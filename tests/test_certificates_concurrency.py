"""Certificate numbers and issuing keys under real parallel jobs (PostgreSQL, one
connection per thread)."""

import pytest
from django.utils import timezone

from dj_learning.certificates import services
from dj_learning.certificates.models import Certificate, CertificateTemplate
from dj_learning.test import factories
from dj_learning.test.concurrency import in_parallel

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def template_of(unit, prefix):
    return CertificateTemplate.objects.create(
        unit=unit,
        name="证书",
        title="荣誉证书",
        body="{name}",
        issuer="组织部",
        number_prefix=prefix,
    )


def test_thirty_parallel_issues_take_thirty_consecutive_numbers_per_region(tree):
    one, two = template_of(tree["r1"], "YQ"), template_of(tree["r2"], "EQ")
    members = [factories.member(unit=tree["b1"]) for _ in range(30)]

    def work(i):
        template = one if i % 2 else two
        return services.issue(members[i], template, key=f"k:{i}")[0].number

    results = in_parallel(30, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    year = timezone.localdate().year
    assert sorted(r for r in results if r.startswith("YQ")) == [
        f"YQ-{year}-{n:06d}" for n in range(1, 16)
    ]
    assert sorted(r for r in results if r.startswith("EQ")) == [
        f"EQ-{year}-{n:06d}" for n in range(1, 16)
    ]


def test_parallel_jobs_for_the_same_rule_and_member_issue_once(tree):
    template = template_of(tree["r1"], "YQ")
    member = factories.member(unit=tree["b1"])
    results = in_parallel(12, lambda i: services.issue(member, template, key="rule:7:1"))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(1 for _certificate, created in results if created) == 1
    assert len({certificate.pk for certificate, _created in results}) == 1
    assert Certificate.objects.count() == 1
    # The losers gave their number back: the next one follows without a gap.
    other = factories.member(unit=tree["b1"])
    year = timezone.localdate().year
    assert services.issue(other, template, key="next")[0].number == f"YQ-{year}-000002"
