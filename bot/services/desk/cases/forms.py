from django import forms

MAX_REPLY = 2000


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="Svar til den unge",
        max_length=MAX_REPLY,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_REPLY}),
        error_messages={"required": "Skriv en besked.", "max_length": f"Højst {MAX_REPLY} tegn."},
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Intern note (ses kun af personalet)",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 4000}),
        error_messages={"required": "Skriv en note.", "max_length": "Højst 4000 tegn."},
    )
