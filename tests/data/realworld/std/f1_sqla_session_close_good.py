"""SQLAlchemy Session.close() releases resources; the session is usable again afterwards."""
import os

from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
Session = sessionmaker(bind=engine)
session = Session()


def lambda_handler(event, context):
    try:
        rows = session.execute(text("SELECT name FROM users WHERE team = :t"), {"t": event["team"]}).all()
        return {"users": [r.name for r in rows]}
    finally:
        session.close()
