import os
import smtplib
from email.message import EmailMessage


def send(smtp, to, subject, body):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "noreply@example.com", to, subject
    msg.set_content(body)
    smtp.send_message(msg)


def lambda_handler(event, context):
    with smtplib.SMTP_SSL(os.environ["SMTP_HOST"], 465) as smtp:
        smtp.login(os.environ["SMTP_USER"], os.environ["SMTP_PASS"])
        for rec in event["Records"]:
            send(smtp, rec["to"], rec["subject"], rec["body"])
    return {"sent": len(event["Records"])}
