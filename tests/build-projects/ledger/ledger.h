int charge(int amount);
int refund(int amount);
void set_fee_percent(int percent);
