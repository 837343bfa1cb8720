from selenium import webdriver
from selenium.webdriver.chrome.options import Options


class Scraper:
    def __init__(self):
        opts = Options()
        opts.add_argument("--headless=new")
        self.driver = webdriver.Chrome(options=opts)

    def __call__(self, event, context):
        try:
            self.driver.get(event["url"])
            return {"title": self.driver.title}
        finally:
            self.driver.quit()


handler = Scraper()
