from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "clinicorg.directory"
    label = "directory"
    verbose_name = "Directory"
