from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from frontend import selectors
from policy import Viewer


@login_required(login_url="web:login")
def home(request: HttpRequest) -> HttpResponse:
    viewer = Viewer.of(request.user)
    return render(
        request,
        "frontend/home.html",
        {
            "posts": selectors.company_timeline(viewer, limit=40),
            "people": selectors.colleagues(viewer, limit=24),
        },
    )
