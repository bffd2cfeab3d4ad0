"""Dates typed as text and the photo picker: what the browser would otherwise draw in the
phone's language ("mm/dd/yyyy", "Choose Files") is ours, in Chinese."""

import datetime as dt
import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from linli.core.forms import DateField, PhotoPicker


class Probe(forms.Form):
    day = DateField(required=False)
    photos = forms.FileField(required=False, widget=PhotoPicker)


@pytest.mark.parametrize(
    "typed", ["2026-03-05", "2026-3-5", "2026/3/5", "2026.03.05", "20260305", "2026年3月5日"]
)
def test_dates_in_the_ways_people_write_them(typed):
    form = Probe({"day": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == dt.date(2026, 3, 5)


def test_a_wrong_date_says_how_to_write_it():
    with translation.override("zh-hans"):
        form = Probe({"day": "3/5/2026"})
        assert not form.is_valid()
        assert form.errors["day"] == ["请按 年-月-日 填写日期，例如 2026-03-05。"]


def test_widgets_draw_no_browser_controls_of_their_own():
    with translation.override("zh-hans"):
        html = str(Probe())
    assert 'type="date"' not in html and 'type="text"' in html
    assert 'placeholder="年-月-日，如 2026-03-05"' in html
    assert 'type="file"' in html and "multiple" in html and 'accept="image/*"' in html
    # The input inside its 选择照片 label: the tap opens this picker, whatever other forms
    # on the page are called.
    assert re.search(
        r'<label class="btn btn-secondary file-button"><input type="file"[^>]*>选择照片</label>',
        html,
    )
    assert "还没有选择照片" in html


@pytest.mark.django_db
def test_resident_form_and_staff_filters_use_them(world, login):
    client = login(world.resident_user)
    html = client.get(reverse("workorders:resident_new")).content.decode()
    assert "选择照片" in html and "file-input" in html
    staff = login(world.admin)
    for name in ("workorders:list", "workorders:metrics"):
        page = staff.get(reverse(name)).content.decode()
        assert 'type="date"' not in page and 'type="month"' not in page
        assert "年-月-日" in page


@pytest.mark.django_db
def test_metrics_month_in_chinese_writing(world, login):
    response = login(world.admin).get(reverse("workorders:metrics"), {"month": "2026年3月"})
    assert response.status_code == 200
    assert response.context["form"].cleaned_data["month"] == dt.date(2026, 3, 1)
