app_name = 'schedule'
urlpatterns = []
