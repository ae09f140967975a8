zalo-menu-hint = Reply with the number (for example 1) or type the choice.
zalo-type-phone = 📱 On Zalo, please type your phone number, for example 0912 345 678.
zalo-no-such-choice = There is no choice number { $number }. Please reply with a number from 1 to { $last }.
zalo-no-image = (Zalo cannot show this image yet; you can see it again in your menu at any time.)
zalo-file-link = Download the file at:
channel-zalo = Zalo
