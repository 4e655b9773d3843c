"""``{{ user|person }}``: a person as staff screens name them (``services.person_name``):
the member's name with the username, not the username alone."""

from django import template

from dj_learning.members.services import person_name

register = template.Library()


@register.filter
def person(user):
    return person_name(user)
