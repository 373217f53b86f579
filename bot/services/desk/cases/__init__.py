"""Cases: hand-offs from the chatbot that advisors take, answer and close."""
