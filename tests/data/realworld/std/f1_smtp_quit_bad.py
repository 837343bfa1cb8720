import os
import smtplib
from email.message import EmailMessage

smtp = smtplib.SMTP_SSL(os.environ["SMTP_HOST"], 465)
smtp.login(os.environ["SMTP_USER"], os.environ["SMTP_PASS"])


def send(to, subject, body):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "noreply@example.com", to, subject
    msg.set_content(body)
    smtp.send_message(msg)


def lambda_handler(event, context):
    for rec in event["Records"]:
        send(rec["to"], rec["subject"], rec["body"])
    smtp.quit()
    return {"sent": len(event["Records"])}
