int price(int units);
