from selenium import webdriver
from selenium.webdriver.chrome.options import Options


class Scraper:
    def __init__(self):
        opts = Options()
        opts.add_argument("--headless=new")
        self.driver = webdriver.Chrome(options=opts)

    def __call__(self, event, context):
        self.driver.get(event["url"])
        title = self.driver.title
        self.driver.delete_all_cookies()
        return {"title": title}


handler = Scraper()
