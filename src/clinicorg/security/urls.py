from django.urls import path

from . import views

urlpatterns = [
    path("staff/<int:pk>/unlock/", views.unlock_sign_in, name="staff_unlock_sign_in"),
]
