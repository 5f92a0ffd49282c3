app_name = "codegen"

urlpatterns: list = []
