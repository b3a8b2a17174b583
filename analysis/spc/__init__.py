"""Statistical process control: XmR and u charts, the Making Data Count rules, icons and colours."""
