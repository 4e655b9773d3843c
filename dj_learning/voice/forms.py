from django import forms
from django.utils.translation import gettext_lazy as _

from dj_learning import uploads

from . import services
from .models import Suggestion


class SuggestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Suggestion.Kind.choices)
    category = forms.ModelChoiceField(label=_("Category"), queryset=None, required=False)
    title = forms.CharField(label=_("Title"), max_length=services.TITLE_MAX)
    text = forms.CharField(
        label=_("Text"),
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8, "class": "djl-textarea"}),
    )
    attachment = forms.FileField(label=_("Attachment (image or PDF, optional)"), required=False)
    show_name = forms.BooleanField(
        label=_("Other members may see my name if I publish it"), required=False, initial=True
    )

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        categories = services.categories_for(member)
        self.fields["category"].queryset = categories
        self.fields["category"].empty_label = None
        if not categories.exists():
            del self.fields["category"]

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        return uploads.check_upload(upload) if upload else None


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Text"), max_length=services.TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
    internal = forms.BooleanField(label=_("Internal note (staff only)"), required=False)
