app_name = "nlp"

urlpatterns: list = []
