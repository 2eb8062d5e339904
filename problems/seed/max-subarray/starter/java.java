import java.io.*;
import java.util.*;

public class Main {
    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        // read n and n integers; print the largest contiguous subarray sum (use 64-bit integers)
    }
}
